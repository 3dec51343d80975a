using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Engine.Build;
using Engine.Hooks;
using Engine.Workers;
using Engine.Protocol;

namespace Engine.Deployments;

/// <summary>One deployment: an event-sourced state machine. It persists what happened, applies it, and talks to its
/// children (build, containers, hook), its app and the router. What a command yields, the worker
/// and the clean-up are decided by <see cref="DeploymentState"/>; the actor only checks its status before taking a
/// child's answer (a worker found, a source read).
/// The children run on the worker node picked when it starts (journaled), deployed there by <see cref="IWorkers"/>.</summary>
public sealed class DeploymentActor : ReceivePersistentActor, IWithTimers
{
    /// <summary>A finished deployment stays this long after its last message (late log lines, queries), then asks its
    /// app to stop it: the app answers for it from its own record, so memory does not grow with finished ones.</summary>
    public static readonly TimeSpan IdleAfterEnd = TimeSpan.FromSeconds(2);
    /// <summary>The one deadline at a time: the deployment's own, or the switch's watchdog.</summary>
    private const string Deadline = "deadline";
    private readonly string _id;
    /// <summary>What it journals first: DeploymentCreated, and ReleaseReused for a rollback.</summary>
    private readonly IReadOnlyList<IDeploymentEvent> _opening;
    private readonly DeploymentSettings _settings;
    private readonly IWorkers _workers;
    private readonly IActorRef _router;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private DeploymentState _state = new();
    /// <summary>Where the children go (<see cref="DeploymentState.WorkerAmong"/>; null: no worker is up).</summary>
    private Address? _worker;
    private readonly WorkerChildren _children;
    /// <summary>The StartDeployment that waits for a worker to come up.</summary>
    private StartDeployment _start = StartDeployment.Instance;
    /// <summary>Who canceled it: told once the deployment has ended.</summary>
    private IActorRef? _canceledBy;

    /// <param name="reuse">For a rollback: journaled with <paramref name="init"/>.</param>
    public static Props Props(DeploymentCreated init, DeploymentSettings settings, IWorkers workers, IActorRef router,
        ReleaseReused? reuse = null) =>
        Akka.Actor.Props.Create(() => new DeploymentActor(init, settings, workers, router, reuse));

    public ITimerScheduler Timers { get; set; } = null!;

    public const string PersistencePrefix = "deployment-";
    public static string NameFor(string deploymentId) => PersistencePrefix + deploymentId;

    public override string PersistenceId => NameFor(_id);

    public DeploymentActor(DeploymentCreated init, DeploymentSettings settings, IWorkers workers, IActorRef router, ReleaseReused? reuse)
    {
        (_id, _opening, _settings, _workers, _router) = (init.DeploymentId, reuse is null ? [init] : [init, reuse], settings, workers, router);
        _children = new WorkerChildren(workers);

        Recover<IDeploymentEvent>(e => _state = _state.Apply(e));
        Recover<RecoveryCompleted>(_ => OnRecovered());

        Command<StartDeployment>(_ => _state.IsTerminal, _ => Sender.Tell(_state.Finished));
        Command<StartDeployment>(s => s.Worker is null && _state.Status == DeploymentStatus.Queued, s =>
        {
            _start = s;
            var up = _state.Preferring(_workers.Up(Context.System));
            _worker = up.FirstOrDefault()?.Address;
            if (_state.StartOn(s, up, _settings.Registry.Length > 0) is { } start) Handle(start);
            else if (Context.Child(WorkerWaitActor.Name).IsNobody()) WaitForWorker(NoWorkerUp.Instance);
        });
        Command<WorkerWaitActor.WorkerCameUp>(up =>
        {
            if (_worker is not null || _state.Status is not (DeploymentStatus.Queued or DeploymentStatus.RunningHook)) return;
            _worker = up.Worker;
            if (_state.Status == DeploymentStatus.Queued) Handle(_start with { Worker = _worker.ToString() });
            else AttachHook();
        });
        Command<CancelRequested>(c => _state.RefuseCancelNow(c, DateTimeOffset.UtcNow) is not null,
            c => Sender.Tell(new AppError(_state.RefuseCancelNow(c, DateTimeOffset.UtcNow)!, Conflict: true)));
        Command<CancelRequested>(c => { _canceledBy = Sender; Handle(c); });
        Command<ContainersRemoved>(_ => _state.Failing is not null, removed => PersistEvents([_state.FailureAfter(removed)]));
        Command<IDeploymentCommand>(_ => _state.Failing is not null, c => _log.Debug("{0} ignores {1} while cleaning up", _state.Id, c.GetType().Name));
        Command<SwitchStalled>(_ => _state.Status == DeploymentStatus.Switching, _ =>
        {
            _log.Warning("{0}: the traffic switch is taking long; running its steps again", _state.Id);
            Enter(new SwitchStarted(_state.App, _state.Id, DateTimeOffset.UtcNow));
        });
        Command<RouteDrained>(d =>
        {
            if (_state.MayRemoveOthers(d)) OnEveryWorker("containers", RemoveContainers.AllBut(_state.App, [_state.Id], _settings.StopGrace));
            else _log.Warning("{0} ignores a late RouteDrained for {1} while {2}", _state.Id, d.DeploymentId, _state.Status);
        });
        // Old containers Docker would not remove: no success yet; the switch watchdog runs the steps (removal too) again.
        Command<ContainersRemoved>(r => !r.Confirmed && _state.Status == DeploymentStatus.Switching,
            r => AppendLog($"old containers remain: {r.Problem}"));
        Command<IDeploymentCommand>(Handle);
        Command<DeploymentPromoted>(p =>
        {
            if (_state.RouteOnPromote(p, _settings.Cluster.AdvertiseHost, Self) is { } route) _router.Tell(route);
            else _log.Warning("{0} ignores a late DeploymentPromoted for {1} while {2}", _state.Id, p.DeploymentId, _state.Status);
        });
        Command<AppError>(e => _log.Warning("{0}: the app refused: {1}", _state.Id, e.Error));
        Command<Terminated>(t => { if (t.AddressTerminated) WorkerGone(t.ActorRef.Path.Address, placed: false); });
        Command<SupervisorLost>(l => WorkerGone(l.Worker, l.Placed));
        Command<DeploymentLogLine>(l => AppendLog(l.Text, l.Hook));
        Command<GetDeploymentView>(_ => Sender.Tell(_state.View));
        // A re-attached hook asks how much of its output the log holds already.
        Command<CountHookLines>(c => DeploymentLogsActor.Here(Context).Tell(c, Sender));
        Command<ReceiveTimeout>(_ => !_state.IsTerminal, _ => { });
        Command<ReceiveTimeout>(_ => { Context.SetReceiveTimeout(null); Context.Parent.Tell(new PassivateDeployment(_state.Id)); });
    }

    /// <summary>Its containers' child, watched ("cleanup": a fresh one, as the old supervisors may still be starting some).</summary>
    private IActorRef Release(string role = "release") =>
        _children.Get(Context, role, null, () => ReleaseContainersActor.Props(_settings, _workers));

    /// <summary>Every up worker may hold containers of the app (the old version's, or this one's): one answer back.</summary>
    private void OnEveryWorker(string role, RemoveContainers remove) =>
        Release(role == "cleanup" ? "cleanup" : "release").Tell(new RemoveOnEveryWorker(role, remove));

    /// <summary>A child's worker left: before the switch the deployment cannot finish there; past it, the watchdog runs the
    /// switch's steps again on another worker.</summary>
    private void WorkerGone(Address lost, bool placed)
    {
        if (_state.IsTerminal) return;
        var worker = _worker?.ToString();
        if (lost == _worker) _worker = _state.WorkerAmong(_workers.Up(Context.System), null)?.Address;
        if (_state.LostWith(lost.ToString(), worker, placed)) Handle(new WorkerLost(lost.ToString()));
    }

    /// <summary>Watched, so that losing its worker's node ends what waits for it (Terminated, address terminated).</summary>
    private IActorRef OnWorker(Props props, string name) => Context.Watch(Context.ActorOf(_workers.On(_worker, props), name));

    private void OnRecovered()
    {
        if (!_state.Exists)
        {
            PersistAll(_opening, e => { _state = _state.Apply(e); AppendLog(DeploymentState.Opened(e)); });
            return;
        }
        // Recovered on demand (a query, the app's queue after a restart): it answers, then goes again when idle.
        if (_state.IsTerminal) Context.SetReceiveTimeout(IdleAfterEnd);
        else if (_state.Status != DeploymentStatus.Queued
                 && _state.WorkerGone(_worker = _state.WorkerAmong(_workers.Up(Context.System), _state.Worker)?.Address) is { } gone)
            AppendLog(gone);
        switch (_state.AfterRecovery)
        {
            case RecoveryStep.ResumeSwitch: Enter(new SwitchStarted(_state.App, _state.Id, DateTimeOffset.UtcNow)); break;
            // After a whole-cluster restart the worker may come up later than this node. If none does, whether the hook
            // ran is unknown, so the safe end is aborted.
            case RecoveryStep.AttachHook when _worker is null:
                WaitForWorker(new HookLost("the node restarted during the postdeploy hook and no worker node came up to re-attach to it"));
                break;
            case RecoveryStep.AttachHook: AttachHook(); break;
            case RecoveryStep.Abort: Handle(RecoveredInFlight.Instance); break;
        }
    }

    private void AttachHook() => OnWorker(HookActor.Attach(_state.HookSpec(), _settings.HookTimeout), "hook");

    /// <summary>Until the first worker node comes up, at most <see cref="WorkerWaitActor.Patience"/>; then
    /// <paramref name="giveUp"/>.</summary>
    private void WaitForWorker(IDeploymentCommand giveUp)
    {
        AppendLog($"waiting up to {WorkerWaitActor.Patience.TotalSeconds:0} s for a worker node to come up");
        Context.ActorOf(WorkerWaitActor.Props(_workers, giveUp), WorkerWaitActor.Name);
    }

    private void Handle(IDeploymentCommand command)
    {
        var events = _state.Decide(command, DateTimeOffset.UtcNow);
        if (events.Count == 0) _log.Debug("{0} ignores {1} while {2}", _state.Id, command.GetType().Name, _state.Status);
        else if (_state.CleansUpBefore(events) is { } failed) BeginFailure(failed);
        else PersistEvents(events);
    }

    private void PersistEvents(IEnumerable<IDeploymentEvent> events) => PersistAll(events, e =>
    {
        _state = _state.Apply(e);
        if (DeploymentState.StatusSetBy(e) is { } status) AppendLog(e is DeploymentFailed f ? $"-----> {status}: {f.Error}" : $"-----> {status}");
        Enter(e);
    });

    private void BeginFailure(DeploymentFailed failed)
    {
        _state = _state.BeginFailure(failed);
        Timers.Cancel(Deadline);
        AppendLog($"{failed.Status}: {failed.Error}; removing the new containers");
        foreach (var child in Context.GetChildren()) Context.Stop(child);
        if (_worker is null) Self.Tell(new ContainersRemoved(0, Error: "no worker node is up to remove them"));
        // Fresh children: the old supervisors may still be starting containers.
        else OnEveryWorker("cleanup", RemoveContainers.Of(_state.App, _state.Id, TimeSpan.Zero));
    }

    /// <summary>What the actor does on entering the state an event leads to.</summary>
    private void Enter(IDeploymentEvent e)
    {
        switch (e)
        {
            case BuildStarted:
                Timers.StartSingleTimer(Deadline, DeploymentTimedOut.Instance, _settings.DeploymentTimeout);
                OnWorker(_state.Reuse is { } reuse ? ReuseImageActor.Props(reuse, _settings.Registry)
                    : BuildActor.Props(_state.ArchivePath, ImageSpec.For(_settings.InstanceId, _state.App, _state.Id, _state.VersionLabel),
                        _settings.ContextLimits, _state.ArchiveNode), "build");
                break;
            case ImageBuilt built:
                Context.ActorOf(_workers.Placement(new PlacementActor.Request(_state.App, built.Image, _state.PlannedFormation,
                    _state.ImageHolders(), _settings.Registry, _settings.DeploymentTimeout)), "placement");
                break;
            case ContainersStarting: Release().Tell(new StartRelease(_state.Containers, _worker, _state.Checks)); break;
            case HookStarted: OnWorker(HookActor.Props(_state.HookSpec(), _settings.HookTimeout), "hook"); break;
            case SwitchStarted:
                // Past the hook the deployment cannot fail any more, so instead of a deadline it gets a watchdog.
                Timers.StartSingleTimer(Deadline, SwitchStalled.Instance, _settings.SwitchRetry);
                Context.Parent.Tell(new PromoteDeployment(_state.Id, _state.Version, _state.Containers, _state.Processes.ToList(),
                    _state.Worker, _state.WorkerHost, _state.Checks));
                RemoveHookContainer();
                break;
            case DeploymentSucceeded or DeploymentFailed:
                Timers.Cancel(Deadline);
                _canceledBy?.Tell(_state.View);
                DeploymentFiles.DeleteUpload(Context, _state.ArchivePath, _state.ArchiveNode);
                Context.Parent.Tell(_state.Finished);
                DeploymentLogsActor.Here(Context).Tell(new DeploymentLogsActor.Forget(_state.Id));
                Context.SetReceiveTimeout(IdleAfterEnd);
                break;
        }
    }

    /// <summary>The hook's outcome is journaled now (SwitchStarted), so its container is no longer needed to read it.</summary>
    private void RemoveHookContainer()
    {
        if (_state.HookCommand is null) return;
        if (Context.Child("hook") is { } hook && !hook.IsNobody()) Context.Stop(hook);
        Release().Tell(new RemoveOn(_worker, RemoveContainers.HookOf(_state.App, _state.Id)));
    }

    private void AppendLog(string line, bool hook = false) => DeploymentLogsActor.Here(Context).Tell(new DeploymentLogsActor.Append(_id, line, hook));

    /// <summary>Akka stops the actor after this; the app brings it back (and ends it as aborted if it stops again).</summary>
    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        AppendLog($"the journal cannot be written: {cause.GetBaseException().Message}");
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    /// <summary>A rejected event is not applied: rather than wait for a step that will never come, stop like a failure.</summary>
    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        base.OnPersistRejected(cause, @event, sequenceNr);
        Context.Stop(Self);
    }
}
