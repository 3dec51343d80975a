using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Engine.Protocol;
using Engine.Workers;

namespace Engine.Apps;

/// <summary>The sharded entity of one app: its <see cref="AppActor"/> as a child, and the app's answer while that child
/// cannot run. When the journal fails the app (an unreadable entry, a write that failed) Akka stops its actor: from
/// then until a new one has recovered, every message gets "…; retrying" at once (503), rather than wait for an actor
/// that is not there; the app's neighbours never notice. The child is made again after <paramref name="backoff"/>.</summary>
public sealed class AppEntityActor : ReceiveActor, IWithTimers
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Props _app;
    private readonly TimeSpan _backoff;
    private IActorRef _child = ActorRefs.Nobody;
    /// <summary>Why the app cannot run, until its actor is recovered again.</summary>
    private string? _down;
    /// <summary>Asked the shard to stop it: what comes after goes back to the shard, which keeps it for the next one.</summary>
    private bool _passivating;
    /// <summary>The shard's answer came: it stops once its child has handled what it holds.</summary>
    private bool _stopping;

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(Props app, TimeSpan backoff) => Akka.Actor.Props.Create(() => new AppEntityActor(app, backoff));

    /// <summary>After a journal failure: one journal read a second while the journal is down; refused meanwhile.</summary>
    private static readonly TimeSpan RestartBackoff = TimeSpan.FromSeconds(1);

    /// <summary>The sharded entity of an app: its <see cref="AppActor"/> under this.</summary>
    public static Props For(string app, AppSettings settings, IWorkers workers, IActorRef router) =>
        Props(AppActor.Props(app, settings, workers, router), RestartBackoff);

    /// <summary>The child's name: the app actor's path is the entity's, plus this.</summary>
    public const string ChildName = "state";

    private sealed record Restart
    {
        public static readonly Restart Instance = new();
    }

    /// <summary>The stop message of a passivation, to the entity and from it to its child. Unlike a PoisonPill it stops
    /// the child after what its mailbox already holds: those messages come back this way to the shard, never to dead
    /// letters.</summary>
    public sealed record Stop
    {
        public static readonly Stop Instance = new();
    }

    public AppEntityActor(Props app, TimeSpan backoff)
    {
        (_app, _backoff) = (app, backoff);
        Receive<AppUnavailable>(u => _down = u.Reason);
        Receive<AppRecovered>(r =>
        {
            if (_down is null) return;
            _down = null;
            _log.Info("app {0} is back", r.App);
        });
        // The shard must see the entity ask, not its child.
        Receive<Passivate>(_ =>
        {
            _passivating = true;
            Context.Parent.Tell(new Passivate(Stop.Instance));
        });
        Receive<Stop>(_ =>
        {
            _stopping = _passivating = true;
            if (_child.IsNobody()) Context.Stop(Self);
            else _child.Tell(Stop.Instance);
        });
        Receive<Terminated>(t => t.ActorRef.Equals(_child), _ =>
        {
            _child = ActorRefs.Nobody;
            // Stopped for no reason of the journal's (or asked to): sharding decides.
            if (_down is null || _stopping) Context.Stop(Self);
            else Timers.StartSingleTimer(Restart.Instance, Restart.Instance, _backoff);
        });
        Receive<Restart>(_ => { if (!_stopping) Start(); });
        ReceiveAny(m =>
        {
            if (_passivating) Context.Parent.Forward(m);
            else if (_down is { } down) Sender.Tell(new AppError($"{down}; retrying", Unavailable: true));
            else _child.Forward(m);
        });
    }

    protected override void PreStart() => Start();

    private void Start() => _child = Context.Watch(Context.ActorOf(_app, ChildName));
}
