using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Akka.Event;
using Engine.Containers;
using Engine.Routing;
using Engine.Workers;
using Engine.Protocol;

namespace Engine.Apps;

/// <summary>What the apps need when the cluster starts (a singleton on the oldest control node), and never on an app
/// message's way: from the journal's persistence ids (<see cref="AppsIndex"/>), it starts every app that ever deployed,
/// tells the routers of the idle ones without starting them, and removes the containers of apps the journal does not
/// hold from every worker, and from each worker that comes up later (read again then: an app created meanwhile is known).
/// Sharding remembers no entity (no journal write per shard at a start): when a control node leaves, this starts the apps
/// again, and the shards of those it held are allocated on the others.</summary>
public sealed class AppsStartupActor : ReceiveActor, IWithTimers
{
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(2);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly IWorkers _workers;
    // Workers this actor saw come up, from its own subscription: the cluster's read view may not show them yet.
    private readonly HashSet<Address> _upWorkers = [];
    private bool _reading, _readAgain;

    public ITimerScheduler Timers { get; set; } = null!;

    public const string Name = "apps-startup";

    public static Props Props(IWorkers workers, IActorRef apps, IActorRef router, Func<CancellationToken, Task<AppsIndex>> index) =>
        Akka.Actor.Props.Create(() => new AppsStartupActor(workers, apps, router, index));

    private sealed record Read
    {
        public static readonly Read Instance = new();
    }

    public AppsStartupActor(IWorkers workers, IActorRef apps, IActorRef router, Func<CancellationToken, Task<AppsIndex>> index)
    {
        _workers = workers;
        Receive<Read>(_ =>
        {
            // Workers that come up together make one read after the one under way.
            if (_reading) _readAgain = true;
            else index(CancellationToken.None).PipeTo(Self);
            _reading = true;
        });
        Receive<AppsIndex>(found =>
        {
            ReadDone();
            // A name that can never be an actor would crash-loop its shard: skipped, loudly.
            foreach (var (app, why) in found.Refused ?? [])
                _log.Error("skipping app {0} found in the journal: {1}", System.Text.Json.JsonSerializer.Serialize(app), why);
            foreach (var app in found.All)
                if (found.Deployed.Contains(app)) apps.Tell(new ShardRegion.StartEntity(app));
                else router.Tell(new AppKnown(app));
            var known = found.All.ToHashSet();
            foreach (var worker in workers.Addresses(Context.System).Union(_upWorkers))
                Context.ActorOf(workers.On(worker, ContainerOperationsActor.Props())).Tell(new RemoveStrangers(known));
        });
        // The journal is down at start: the apps wait for it anyway.
        Receive<Status.Failure>(f =>
        {
            ReadDone();
            _log.Warning("could not read the apps from the journal, retrying: {0}", f.Cause.Message);
            Timers.StartSingleTimer(Read.Instance, Read.Instance, RetryAfter);
        });
        Receive<StrangersRemoved>(r =>
        {
            Context.Stop(Sender);
            if (r.Error is not null) _log.Warning("could not remove the containers of unknown apps: {0}", r.Error);
            else if (r.Count > 0) _log.Info("removed {0} container(s) of unknown apps", r.Count);
        });
        Receive<ClusterEvent.MemberUp>(up =>
        {
            if (up.Member.HasRole(Engine.Cluster.ClusterSettings.Worker) && _upWorkers.Add(up.Member.Address)) Self.Tell(Read.Instance);
        });
        Receive<ClusterEvent.MemberRemoved>(r =>
        {
            _upWorkers.Remove(r.Member.Address);
            if (!r.Member.HasRole(Engine.Cluster.ClusterSettings.Control)) return;
            _log.Info("control node {0} left: starting its apps on the others", r.Member.Address);
            Self.Tell(Read.Instance);
        });
        // Sharding acknowledges each StartEntity (its ack type is internal).
        Receive<IClusterShardingSerializable>(_ => { });
    }

    private void ReadDone()
    {
        _reading = false;
        if (!_readAgain) return;
        _readAgain = false;
        Self.Tell(Read.Instance);
    }

    protected override void PreStart()
    {
        _workers.Subscribe(Context.System, Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.MemberUp), typeof(ClusterEvent.MemberRemoved));
        Self.Tell(Read.Instance);
    }

    protected override void PostStop() => _workers.Unsubscribe(Context.System, Self);
}
