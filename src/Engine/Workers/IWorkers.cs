using Akka.Actor;
using Akka.Cluster;
using Engine.Cluster;

namespace Engine.Workers;

/// <summary>Where an app's and a deployment's Docker work goes: which workers are up, how a child gets onto one, how a
/// formation is placed over them, and news of worker nodes coming and going. <see cref="ClusterWorkers"/> on every
/// node; a one-process test gives its own (its single worker is the process itself).</summary>
public interface IWorkers
{
    /// <summary>The up and reachable workers, this node first when it is one.</summary>
    IReadOnlyList<UpWorker> Up(ActorSystem system);

    /// <summary>The props, to be created on <paramref name="worker"/> (null: here).</summary>
    Props On(Address? worker, Props props);

    /// <summary>A child that places the request's containers and replies ContainersPlaced or PlacementFailed to its parent.</summary>
    Props Placement(PlacementActor.Request request);

    /// <summary>Membership events of the cluster, to <paramref name="subscriber"/>.</summary>
    void Subscribe(ActorSystem system, IActorRef subscriber, ClusterEvent.SubscriptionInitialStateMode mode, params Type[] events);

    /// <summary>No more of them (of <paramref name="only"/> that type, when given).</summary>
    void Unsubscribe(ActorSystem system, IActorRef subscriber, Type? only = null);
}

public static class WorkersExtensions
{
    public static IReadOnlyList<Address> Addresses(this IWorkers workers, ActorSystem system) =>
        workers.Up(system).Select(w => w.Address).ToList();

    /// <summary>The up worker of that name or address (records from before names were kept hold addresses), or null.</summary>
    public static Address? Find(this IWorkers workers, ActorSystem system, string? worker) =>
        worker is null ? null : workers.Up(system).FirstOrDefault(w => w.Name == worker || w.Address.ToString() == worker)?.Address;

    /// <summary>The preferred worker while it is up (a deployment stays where its containers are), else the first up one;
    /// null when none is.</summary>
    public static Address? Pick(this IWorkers workers, ActorSystem system, string? preferred) =>
        workers.Find(system, preferred) ?? workers.Up(system).FirstOrDefault()?.Address;
}

/// <summary>The cluster's worker nodes: children are deployed onto them by Akka remoting, formations placed by
/// <see cref="PlacementActor"/>.</summary>
public sealed class ClusterWorkers : IWorkers
{
    public static readonly ClusterWorkers Instance = new();

    public IReadOnlyList<UpWorker> Up(ActorSystem system) => WorkerMembers.Workers(system);

    public Props On(Address? worker, Props props) => WorkerMembers.On(worker, props);

    public Props Placement(PlacementActor.Request request) => PlacementActor.Props(request);

    public void Subscribe(ActorSystem system, IActorRef subscriber, ClusterEvent.SubscriptionInitialStateMode mode, params Type[] events) =>
        Akka.Cluster.Cluster.Get(system).Subscribe(subscriber, mode, events);

    public void Unsubscribe(ActorSystem system, IActorRef subscriber, Type? only = null)
    {
        if (only is null) Akka.Cluster.Cluster.Get(system).Unsubscribe(subscriber);
        else Akka.Cluster.Cluster.Get(system).Unsubscribe(subscriber, only);
    }
}
