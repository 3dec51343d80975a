using Akka.Actor;
using Engine.Cluster;

namespace Engine.Containers;

/// <summary>A worker node's Docker engine and the host routers reach its containers at. The deployment's children are
/// deployed onto a worker by Akka remoting, which carries their arguments but not this: they find it here, on the node
/// they run on.</summary>
public sealed class DockerHost(IContainerRuntime runtime, ClusterSettings cluster) : IExtension
{
    public IContainerRuntime Runtime { get; } = runtime;
    public ClusterSettings Cluster { get; } = cluster;

    /// <summary>This worker as the membership names it (<see cref="WorkerMembers.NameOf"/>): its name, else its address.</summary>
    public string NameIn(ActorSystem system) =>
        Cluster.WorkerName is { Length: > 0 } name ? name : ((ExtendedActorSystem)system).Provider.DefaultAddress.ToString();

    /// <summary>Registered at start-up by a node with the worker role.</summary>
    public static void Register(ActorSystem system, IContainerRuntime runtime, ClusterSettings cluster) =>
        system.RegisterExtension(new Provider(new DockerHost(runtime, cluster)));

    public static DockerHost Get(ActorSystem system) => system.GetExtension<DockerHost>()
        ?? throw new InvalidOperationException(
            $"this node ({Akka.Cluster.Cluster.Get(system).SelfAddress}) has no {ClusterSettings.Worker} role: it runs no containers");

    private sealed class Provider(DockerHost host) : ExtensionIdProvider<DockerHost>
    {
        public override DockerHost CreateExtension(ExtendedActorSystem system) => host;
    }
}
