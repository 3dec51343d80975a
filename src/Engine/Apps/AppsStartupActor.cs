using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Engine.Containers;
using Engine.Routing;
using Engine.Workers;
using Engine.Protocol;

namespace Engine.Apps;

/// <summary>What the apps need once, when the cluster starts (a singleton on the oldest control node), and never on an
/// app message's way: from the journal's persistence ids (<see cref="AppsIndex"/>), it starts every app that ever
/// deployed (sharding remembers those that ran, and this starts them whatever the remember-entities store kept), tells
/// the routers of the idle ones without starting them, and removes the containers of apps the journal does not hold
/// from every worker.</summary>
public sealed class AppsStartupActor : ReceiveActor, IWithTimers
{
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(2);
    private readonly ILoggingAdapter _log = Context.GetLogger();

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
        Receive<Read>(_ => index(CancellationToken.None).PipeTo(Self));
        Receive<AppsIndex>(found =>
        {
            // A name that can never be an actor would crash-loop its shard: skipped, loudly.
            foreach (var (app, why) in found.Refused ?? [])
                _log.Error("skipping app {0} found in the journal: {1}", System.Text.Json.JsonSerializer.Serialize(app), why);
            foreach (var app in found.All)
                if (found.Deployed.Contains(app)) apps.Tell(new ShardRegion.StartEntity(app));
                else router.Tell(new AppKnown(app));
            var known = found.All.ToHashSet();
            foreach (var worker in workers.Addresses(Context.System))
                Context.ActorOf(workers.On(worker, ContainerOperationsActor.Props())).Tell(new RemoveStrangers(known));
        });
        // The journal is down at start: the apps wait for it anyway.
        Receive<Status.Failure>(f =>
        {
            _log.Warning("could not read the apps from the journal, retrying: {0}", f.Cause.Message);
            Timers.StartSingleTimer(Read.Instance, Read.Instance, RetryAfter);
        });
        Receive<StrangersRemoved>(r =>
        {
            Context.Stop(Sender);
            if (r.Error is not null) _log.Warning("could not remove the containers of unknown apps: {0}", r.Error);
            else if (r.Count > 0) _log.Info("removed {0} container(s) of unknown apps", r.Count);
        });
        // Sharding acknowledges each StartEntity (its ack type is internal).
        Receive<IClusterShardingSerializable>(_ => { });
    }

    protected override void PreStart() => Self.Tell(Read.Instance);
}
