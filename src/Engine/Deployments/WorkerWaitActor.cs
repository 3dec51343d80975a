using Akka.Actor;
using Akka.Cluster;
using Engine.Workers;
using Engine.Cluster;
using Engine.Protocol;
using ClusterSettings = Engine.Cluster.ClusterSettings;

namespace Engine.Deployments;

/// <summary>A deployment's wait for a worker node to come up (one restarting, or the cluster starting), a child of the
/// deployment: tells it the first worker's address (<see cref="WorkerCameUp"/>), or after <see cref="Patience"/> its
/// <paramref name="giveUp"/> command, and stops.</summary>
public sealed class WorkerWaitActor : ReceiveActor, IWithTimers
{
    /// <summary>To the deployment: the worker node that came up.</summary>
    public sealed record WorkerCameUp(Address Worker);

    private sealed record GiveUp;

    public ITimerScheduler Timers { get; set; } = null!;

    public const string Name = "worker-wait";

    /// <summary>How long a deployment's turn waits for a worker node to come up before it fails rather than stay queued.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private readonly IWorkers _workers;

    public static Props Props(IWorkers workers, IDeploymentCommand giveUp) =>
        Akka.Actor.Props.Create(() => new WorkerWaitActor(workers, giveUp, Patience));

    public WorkerWaitActor(IWorkers workers, IDeploymentCommand giveUp, TimeSpan patience)
    {
        _workers = workers;
        // The event's member, not Cluster.State, which may not show it up yet.
        Receive<ClusterEvent.MemberUp>(up => up.Member.HasRole(ClusterSettings.Worker), up => Done(new WorkerCameUp(up.Member.Address)));
        Receive<ClusterEvent.MemberUp>(_ => { });
        Receive<GiveUp>(_ => Done(giveUp));
        _patience = patience;
    }

    private readonly TimeSpan _patience;

    protected override void PreStart()
    {
        Timers.StartSingleTimer(Name, new GiveUp(), _patience);
        _workers.Subscribe(Context.System, Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.MemberUp));
    }

    protected override void PostStop() => _workers.Unsubscribe(Context.System, Self);

    private void Done(object message)
    {
        Context.Parent.Tell(message);
        Context.Stop(Self);
    }
}
