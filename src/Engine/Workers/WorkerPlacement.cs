using Akka.Actor;
using Akka.Cluster;

namespace Engine.Workers;

/// <summary>Which worker node runs a deployment's Docker work, and how a child actor gets there: Akka remote deployment
/// onto the worker's address (a local actor when that address is this node's own).</summary>
public static class WorkerPlacement
{
    /// <summary>The up and reachable worker nodes, this one first when it is one (its Docker work stays in-process),
    /// then by address.</summary>
    public static IReadOnlyList<Address> Up(ActorSystem system)
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        var state = cluster.State;
        return state.Members
            .Where(m => m.Status == MemberStatus.Up && m.HasRole(Engine.Cluster.ClusterSettings.Worker) && !state.Unreachable.Contains(m))
            .Select(m => m.Address)
            .OrderBy(a => a == cluster.SelfAddress ? 0 : 1).ThenBy(a => a.ToString(), StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>The preferred worker while it is up (a deployment stays where its containers are), else the first up one;
    /// null when none is.</summary>
    public static Address? Pick(ActorSystem system, string? preferred)
    {
        var up = Up(system);
        return up.FirstOrDefault(a => a.ToString() == preferred) ?? up.FirstOrDefault();
    }

    /// <summary>The props, to be created on the worker. With no worker up they stay local, and the child fails at once
    /// with <see cref="DockerHost.Get"/>'s message unless this node is a worker itself.</summary>
    public static Props On(Address? worker, Props props) =>
        worker is null ? props : props.WithDeploy(Deploy.None.WithScope(new RemoteScope(worker)));
}
