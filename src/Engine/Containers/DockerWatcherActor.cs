using Akka.Actor;
using Akka.Event;
using Engine.Protocol;

namespace Engine.Containers;

/// <summary>Follows Docker's event stream for this engine's containers and tells their app when one exits. It also
/// notices when Docker was away (the stream broke, or a heartbeat ping got no answer in time: a frozen daemon keeps
/// its sockets open) and, once Docker answers again, asks every app to reconcile its containers: Docker's restart
/// policy brings back whatever ran before the outage, including containers of versions that failed meanwhile.</summary>
public sealed class DockerWatcherActor : ReceiveActor, IWithTimers
{
    private static readonly TimeSpan MaxReconnectDelay = TimeSpan.FromSeconds(5);
    private readonly IContainerRuntime _runtime;
    private readonly IActorRef _apps;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly CancellationTokenSource _stopping = new();
    private bool _down;
    private bool _pinging;
    private TimeSpan _reconnectDelay = TimeSpan.FromMilliseconds(500);

    private sealed record Watch
    {
        public static readonly Watch Instance = new();
    }

    private sealed record StreamEnded(string Reason);

    private sealed record Heartbeat
    {
        public static readonly Heartbeat Instance = new();
    }

    private sealed record Pinged(string? Error);

    /// <summary>Some engine call found Docker away: it may have left work undone (e.g. a failed version's cleanup).</summary>
    private sealed record CallUnanswered(string Reason);

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="apps">The apps' shard region (or its proxy).</param>
    /// <param name="deployed">The apps of the journal that ever deployed: they are reconciled (the others have no
    /// container, and are not started for this).</param>
    public static Props Props(IContainerRuntime runtime, IActorRef apps, Func<CancellationToken, Task<IReadOnlySet<string>>> deployed,
        TimeSpan heartbeat) =>
        Akka.Actor.Props.Create(() => new DockerWatcherActor(runtime, apps, deployed, heartbeat));

    private sealed record Deployed(IReadOnlySet<string> Apps);

    public DockerWatcherActor(IContainerRuntime runtime, IActorRef apps, Func<CancellationToken, Task<IReadOnlySet<string>>> deployed,
        TimeSpan heartbeat)
    {
        _runtime = runtime;
        _apps = apps;

        Receive<Watch>(_ =>
        {
            var self = Self;
            _runtime.WatchAsync(e => self.Tell(e), _stopping.Token)
                .PipeTo(Self, success: () => new StreamEnded("the stream ended"), failure: e => new StreamEnded(e.Message));
            Self.Tell(Heartbeat.Instance); // tells whether this connection found Docker back
        });
        Receive<ContainerEvent>(e =>
        {
            if (e is { Action: "die", App.Length: > 0, DeploymentId.Length: > 0 })
                _apps.Tell(new ContainerExited(e.App, e.DeploymentId, e.Slot, e.ContainerId, e.ExitCode));
        });
        Receive<StreamEnded>(s =>
        {
            if (_stopping.IsCancellationRequested) return;
            MarkDown(s.Reason);
            Timers.StartSingleTimer("watch", Watch.Instance, _reconnectDelay);
            _reconnectDelay = TimeSpan.FromTicks(Math.Min(MaxReconnectDelay.Ticks, _reconnectDelay.Ticks * 2));
        });
        Receive<Heartbeat>(_ =>
        {
            if (_pinging) return;
            _pinging = true;
            _runtime.PingAsync(_stopping.Token).PipeTo(Self, success: () => new Pinged(null), failure: e => new Pinged(e.Message));
        });
        Receive<Pinged>(p =>
        {
            _pinging = false;
            if (p.Error is not null) MarkDown(p.Error);
            else if (_down)
            {
                _down = false;
                _reconnectDelay = TimeSpan.FromMilliseconds(500);
                _log.Info("the Docker engine answers again; reconciling every app's containers");
                deployed(_stopping.Token).PipeTo(Self, success: found => new Deployed(found));
            }
        });
        Receive<CallUnanswered>(u => MarkDown(u.Reason));
        Receive<Deployed>(found =>
        {
            foreach (var app in found.Apps) _apps.Tell(new ReconcileContainers(app));
        });
        Receive<Status.Failure>(f => _log.Warning("could not list the apps to reconcile: {0}", f.Cause.Message));
        Receive<AppError>(_ => { }); // an exited container of an app the journal does not hold: removed at start
        _heartbeat = heartbeat;
    }

    private readonly TimeSpan _heartbeat;

    protected override void PreStart()
    {
        var self = Self;
        _onUnanswered = reason => self.Tell(new CallUnanswered(reason));
        _runtime.Unanswered += _onUnanswered;
        Timers.StartPeriodicTimer("heartbeat", Heartbeat.Instance, _heartbeat);
        Self.Tell(Watch.Instance);
    }

    private void MarkDown(string reason)
    {
        if (_down) return;
        _down = true;
        _log.Warning("lost the Docker engine ({0}); will reconcile containers once it answers", reason);
    }

    private Action<string>? _onUnanswered;

    protected override void PostStop()
    {
        _runtime.Unanswered -= _onUnanswered;
        _stopping.Cancel();
    }
}
