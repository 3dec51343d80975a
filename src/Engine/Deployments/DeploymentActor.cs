using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Akka.Persistence;
using Engine.Apps;
using Engine.Build;
using Engine.Containers;
using Engine.Hooks;
using Engine.Hosting;
using Engine.Routing;
using Engine.Workers;
using ClusterSettings = Engine.Cluster.ClusterSettings;

namespace Engine.Deployments;

/// <summary>One deployment: an event-sourced state machine. It persists what happened, applies it, and talks to its
/// children (build, containers, hook), its app and the router. All decisions live in <see cref="DeploymentState"/>.
/// The children run on the worker node picked when it starts (journaled), deployed there by <see cref="IWorkers"/>.</summary>
public sealed class DeploymentActor : ReceivePersistentActor, IWithTimers
{
    /// <summary>A finished deployment stays this long after its last message (late log lines, queries), then asks its
    /// app to stop it: the app answers for it from its own record, so memory does not grow with finished ones.</summary>
    public static readonly TimeSpan IdleAfterEnd = TimeSpan.FromSeconds(2);
    /// <summary>How long its turn waits for a worker node to come up (one restarting, or the cluster starting) before it
    /// fails rather than stay queued.</summary>
    public static readonly TimeSpan WorkerWait = TimeSpan.FromSeconds(20);
    private readonly DeploymentCreated _init;
    private readonly EngineSettings _settings;
    private readonly IWorkers _workers;
    private readonly IActorRef _router;
    /// <summary>Where the children go: the journaled worker while it is up, else another one (null: none is).</summary>
    private Address? _worker;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private DeploymentState _state = new();
    /// <summary>The one deadline at a time: waiting for a worker, the deployment's own, or the switch's watchdog.</summary>
    private const string Deadline = "deadline";
    /// <summary>A failure already decided, journaled only once the new containers are gone: a final status means
    /// nothing of the failed version is left.</summary>
    private DeploymentFailed? _failing;
    private readonly WorkerChildren _children;
    /// <summary>The StartDeployment that waits for a worker to come up.</summary>
    private StartDeployment _start = StartDeployment.Instance;
    private int _startsPending;
    private readonly List<ContainerSpec> _upSoFar = [];
    private readonly Dictionary<string, string> _idsSoFar = [];
    /// <summary>Who canceled it: told once the deployment has ended.</summary>
    private IActorRef? _canceledBy;
    /// <summary>The workers the release's containers were started on.</summary>
    private readonly HashSet<Address> _placedOn = [];
    /// <summary>How long gathering every worker's answer may take before the missing ones count as lost.</summary>
    private static readonly TimeSpan FanOutLimit = TimeSpan.FromMinutes(2);

    public static Props Props(DeploymentCreated init, EngineSettings settings, IWorkers workers, IActorRef router) =>
        Akka.Actor.Props.Create(() => new DeploymentActor(init, settings, workers, router));

    public ITimerScheduler Timers { get; set; } = null!;

    public const string PersistencePrefix = "deployment-";
    public static string NameFor(string deploymentId) => PersistencePrefix + deploymentId;

    public override string PersistenceId => NameFor(_init.DeploymentId);

    public DeploymentActor(DeploymentCreated init, EngineSettings settings, IWorkers workers, IActorRef router)
    {
        _init = init;
        _settings = settings;
        _workers = workers;
        _router = router;
        _children = new WorkerChildren(workers);

        Recover<IDeploymentEvent>(e => _state = _state.Apply(e));
        Recover<RecoveryCompleted>(_ => OnRecovered());

        Command<StartDeployment>(_ => _state.IsTerminal, _ => Sender.Tell(Finished));
        Command<StartDeployment>(s => s.Worker is null && _state.Status == DeploymentStatus.Queued, s =>
        {
            _start = s;
            var up = _workers.Addresses(Context.System);
            _worker = up.FirstOrDefault();
            if (up.Count > 1 && _settings.Registry.Length == 0) Handle(new NoRegistry(up.Count));
            else if (_worker is not null) Handle(s with { Worker = _worker.ToString() });
            else if (!Timers.IsTimerActive(Deadline)) WaitForWorker(NoWorkerUp.Instance);
        });
        // The event's member, not Cluster.State, which may not show it up yet.
        Command<ClusterEvent.MemberUp>(up =>
        {
            if (!up.Member.HasRole(ClusterSettings.Worker) || _worker is not null
                || _state.Status is not (DeploymentStatus.Queued or DeploymentStatus.RunningHook)) return;
            _workers.Unsubscribe(Context.System, Self, typeof(ClusterEvent.MemberUp));
            Timers.Cancel(Deadline);
            _worker = up.Member.Address;
            if (_state.Status == DeploymentStatus.Queued) Handle(_start with { Worker = _worker.ToString() });
            else AttachHook();
        });
        Command<CancelRequested>(c =>
        {
            if (_failing is not null) Sender.Tell(new AppError($"deployment {_state.Id} is already ending as {_failing.Status}", Conflict: true));
            else if (_state.Decide(c, DateTimeOffset.UtcNow).Count == 0) Sender.Tell(new AppError(_state.RefuseCancel, Conflict: true));
            else
            {
                _canceledBy = Sender;
                Handle(c);
            }
        });
        Command<ContainersRemoved>(_ => _failing is not null, CompleteFailure);
        Command<IDeploymentCommand>(_ => _failing is not null, c => _log.Debug("{0} ignores {1} while cleaning up", _state.Id, c.GetType().Name));
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
        // One answer per worker the release starts on: the deployment goes on once all are up, and fails at the first
        // that is not.
        Command<ContainersUp>(up => _state.Status == DeploymentStatus.Starting && _startsPending > 1, up =>
        {
            _startsPending--;
            _upSoFar.AddRange(up.Containers);
            foreach (var (slot, id) in up.Ids ?? new Dictionary<string, string>()) _idsSoFar[slot] = id;
        });
        Command<ContainersUp>(up => _state.Status == DeploymentStatus.Starting && _startsPending == 1, up =>
        {
            _startsPending = 0;
            foreach (var (slot, id) in up.Ids ?? new Dictionary<string, string>()) _idsSoFar[slot] = id;
            Handle(new ContainersUp([.. _upSoFar, .. up.Containers], new Dictionary<string, string>(_idsSoFar)));
        });
        Command<IDeploymentCommand>(Handle);
        Command<DeploymentPromoted>(p =>
        {
            if (_state.MayPublishRoute(p))
                _router.Tell(new SwitchRoute(_state.App, _state.Id, _state.VersionLabel,
                    _state.WebContainers.Select(c => ClusterSettings.WebEndpoint(c.WorkerHost ?? WorkerHost, c.Port!.Value)).ToList(), Self));
            else _log.Warning("{0} ignores a late DeploymentPromoted for {1} while {2}", _state.Id, p.DeploymentId, _state.Status);
        });
        Command<AppError>(e => _log.Warning("{0}: the app refused: {1}", _state.Id, e.Error));
        // A child on a worker that left the cluster: before the switch the deployment cannot finish there; past it, the
        // watchdog runs the switch's steps again on another worker.
        Command<Terminated>(t =>
        {
            if (!t.AddressTerminated || _state.IsTerminal) return;
            var lost = t.ActorRef.Path.Address;
            var builder = lost == _worker;
            if (builder) _worker = _workers.Pick(Context.System, null);
            // A worker that runs none of the release (one only asked to remove old containers) is no loss to it.
            if (_failing is null && (builder || _state.Containers.Count == 0
                    || _placedOn.Contains(lost)))
                Handle(new WorkerLost(lost.ToString()));
        });
        Command<ReadSource>(r =>
        {
            if (_state.Status == DeploymentStatus.Building && Sender.Equals(Context.Child("build")))
                Sender.Tell(FileChunk.Read(_state.ArchivePath, r.Offset));
        });
        Command<DeploymentLogLine>(l => AppendLog(l.Text));
        Command<GetDeploymentView>(_ => Sender.Tell(_state.View));
        Command<ReceiveTimeout>(_ =>
        {
            if (!_state.IsTerminal) return;
            Context.SetReceiveTimeout(null);
            Context.Parent.Tell(new PassivateDeployment(_state.Id));
        });
    }

    private DeploymentFinished Finished => new(_state.Id, _state.Status, _state.Error, _state.FinishedAt);

    private string WorkerHost => _state.WorkerHost ?? _settings.Cluster.AdvertiseHost;

    /// <summary>The containers' supervisor on a worker (null: the deployment's own), watched so that losing its node ends
    /// what waits for it (Terminated, address terminated).</summary>
    private IActorRef Supervisor(string role, Address? worker = null) => _children.Get(Context, role, worker ?? _worker,
        () => ContainerSupervisorActor.Props(_settings.RemovalRetry));

    /// <summary>Every up worker may hold containers of the app (the old version's, or this one's). Their answers come
    /// back as one.</summary>
    private void OnEveryWorker(string role, RemoveContainers remove)
    {
        Context.ActorOf(FanOutActor.Props(_workers.Addresses(Context.System).Select(w => Supervisor(role, w)).ToList(), remove,
            ContainersRemovedOnAll, Self,
            FanOutLimit));
    }

    private static object ContainersRemovedOnAll(IReadOnlyList<(IActorRef Target, object? Reply)> replies)
    {
        var removed = replies.Select(r => r.Reply as ContainersRemoved
            ?? new ContainersRemoved(0, Error: $"worker {r.Target.Path.Address} left or did not answer before they were removed")).ToList();
        var errors = removed.Where(r => r.Error is not null).Select(r => r.Error!).ToList();
        return new ContainersRemoved(removed.Sum(r => r.Count), removed.SelectMany(r => r.Leftover ?? []).ToList(),
            errors.Count > 0 ? string.Join("; ", errors) : null);
    }

    /// <summary>Watched, so that losing its worker's node ends what waits for it (Terminated, address terminated).</summary>
    private IActorRef OnWorker(Props props, string name) =>
        Context.Watch(Context.ActorOf(_workers.On(_worker, props), name));

    private void OnRecovered()
    {
        if (!_state.Exists)
        {
            Persist<IDeploymentEvent>(_init, e => { _state = _state.Apply(e); AppendLog($"-----> {_state.VersionLabel} queued"); });
            return;
        }
        // Recovered on demand (a query, the app's queue after a restart): it answers, then goes again when idle.
        if (_state.IsTerminal) Context.SetReceiveTimeout(IdleAfterEnd);
        else if (_state.Status != DeploymentStatus.Queued)
        {
            _worker = _workers.Pick(Context.System, _state.Worker);
            if (_state.Worker is not null && _worker?.ToString() != _state.Worker)
                AppendLog($"its worker {_state.Worker} is gone; going on with {_worker?.ToString() ?? "no worker"}");
        }
        switch (_state.AfterRestart)
        {
            case RestartStep.ResumeSwitch:
                Enter(new SwitchStarted(_state.App, _state.Id, DateTimeOffset.UtcNow));
                break;
            case RestartStep.AttachHook when _worker is null:
                // After a whole-cluster restart the worker may come up later than this node. If none does, whether the
                // hook ran is unknown, so the safe end is aborted.
                WaitForWorker(new HookLost("the node restarted during the postdeploy hook and no worker node came up to re-attach to it"));
                break;
            case RestartStep.AttachHook:
                AttachHook();
                break;
            case RestartStep.Abort:
                Handle(RecoveredInFlight.Instance);
                break;
        }
    }

    private void AttachHook() => OnWorker(HookActor.Attach(_state.HookSpec(), _settings.HookTimeout), "hook");

    /// <summary>Until the first worker node comes up (see the MemberUp handler), at most <see cref="WorkerWait"/>; then
    /// <paramref name="giveUp"/>.</summary>
    private void WaitForWorker(IDeploymentCommand giveUp)
    {
        AppendLog($"waiting up to {WorkerWait.TotalSeconds:0} s for a worker node to come up");
        _workers.Subscribe(Context.System, Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents, typeof(ClusterEvent.MemberUp));
        Timers.StartSingleTimer(Deadline, giveUp, WorkerWait);
    }

    private void Handle(IDeploymentCommand command)
    {
        var events = _state.Decide(command, DateTimeOffset.UtcNow);
        if (events.Count == 0)
        {
            _log.Debug("{0} ignores {1} while {2}", _state.Id, command.GetType().Name, _state.Status);
            return;
        }
        // Failing before the build started (no worker up), there is nothing to remove.
        if (events is [DeploymentFailed failed] && _state.Status != DeploymentStatus.Queued)
        {
            BeginFailure(failed);
            return;
        }
        PersistEvents(events);
    }

    private void PersistEvents(IEnumerable<IDeploymentEvent> events) =>
        PersistAll(events, e =>
        {
            _state = _state.Apply(e);
            if (DeploymentState.StatusSetBy(e) is { } status)
                AppendLog(e is DeploymentFailed f ? $"-----> {status}: {f.Error}" : $"-----> {status}");
            Enter(e);
        });

    private void BeginFailure(DeploymentFailed failed)
    {
        _failing = failed;
        Timers.Cancel(Deadline);
        AppendLog($"{failed.Status}: {failed.Error}; removing the new containers");
        foreach (var child in Context.GetChildren()) Context.Stop(child);
        if (_worker is null)
        {
            Self.Tell(new ContainersRemoved(0, Error: "no worker node is up to remove them"));
            return;
        }
        // Fresh children: the old supervisors may still be starting containers.
        OnEveryWorker("cleanup", RemoveContainers.Of(_state.App, _state.Id, TimeSpan.Zero));
    }

    private void CompleteFailure(ContainersRemoved removed)
    {
        // The final status says what is left behind rather than claim a clean end.
        PersistEvents([removed.Confirmed ? _failing! : _failing! with { Error = $"{_failing!.Error}; {removed.Problem}" }]);
        _failing = null;
    }

    /// <summary>What the actor does on entering the state an event leads to.</summary>
    private void Enter(IDeploymentEvent e)
    {
        switch (e)
        {
            case BuildStarted:
                Timers.StartSingleTimer(Deadline, DeploymentTimedOut.Instance, _settings.DeploymentTimeout);
                OnWorker(BuildActor.Props(_state.ArchivePath,
                    ImageSpec.For(_settings.InstanceId, _state.App, _state.Id, _state.VersionLabel), _settings.ContextLimits,
                    _state.ArchiveNode), "build");
                break;
            case ImageBuilt built:
                Context.ActorOf(_workers.Placement(new PlacementActor.Request(_state.App, built.Image, _state.PlannedFormation,
                    [_state.Worker ?? ""], _settings.Registry, _settings.DeploymentTimeout)), "placement");
                break;
            case ContainersStarting:
                var groups = _state.Containers.GroupBy(c => c.Worker).ToList();
                _startsPending = groups.Count;
                _upSoFar.Clear();
                _idsSoFar.Clear();
                foreach (var group in groups)
                {
                    var worker = _workers.Find(Context.System, group.Key);
                    if (group.Key is not null && worker is null)
                    {
                        Handle(new WorkerLost(group.Key));
                        return;
                    }
                    if (worker is not null) _placedOn.Add(worker);
                    Supervisor("containers", worker).Tell(new StartContainers(group.ToList(), _settings.StartTimeout,
                        StabilityWindow: _settings.StabilityWindow));
                }
                if (groups.Count == 0) Self.Tell(new ContainersUp([]));
                break;
            case HookStarted:
                OnWorker(HookActor.Props(_state.HookSpec(), _settings.HookTimeout), "hook");
                break;
            case SwitchStarted:
                // Past the hook the deployment cannot fail any more, so instead of a deadline it gets a watchdog.
                Timers.StartSingleTimer(Deadline, SwitchStalled.Instance, _settings.SwitchRetry);
                Context.Parent.Tell(new PromoteDeployment(_state.Id, _state.Version, _state.Containers, _state.Worker, _state.WorkerHost,
                    _state.Processes.ToList()));
                RemoveHookContainer();
                break;
            case DeploymentSucceeded or DeploymentFailed:
                Timers.Cancel(Deadline);
                _canceledBy?.Tell(_state.View);
                DeleteUpload();
                Context.Parent.Tell(Finished);
                Context.SetReceiveTimeout(IdleAfterEnd);
                break;
        }
    }

    /// <summary>The hook's outcome is journaled now (SwitchStarted), so its container is no longer needed to read it.</summary>
    private void RemoveHookContainer()
    {
        if (_state.HookCommand is null) return;
        if (Context.Child("hook") is { } hook && !hook.IsNobody()) Context.Stop(hook);
        // No reply wanted: ContainersRemoved here means the old version's containers are gone. A failure is logged there.
        Supervisor("containers").Tell(RemoveContainers.HookOf(_state.App, _state.Id), ActorRefs.NoSender);
    }

    private void AppendLog(string line)
    {
        try { File.AppendAllText(_settings.LogPath(_init.DeploymentId), line + "\n"); }
        catch (IOException e) { _log.Warning("cannot write the log of {0}: {1}", _init.DeploymentId, e.Message); }
        Context.System.EventStream.Publish(new DeploymentChanged(_init.DeploymentId));
    }

    /// <summary>From this node's disk, or through the uploads actor of the node that stored it.</summary>
    private void DeleteUpload()
    {
        if (_state.ArchiveNode is { } node && node != Akka.Cluster.Cluster.Get(Context.System).SelfAddress.ToString())
            UploadsActor.At(Context, node).Tell(new DeleteUpload(_state.ArchivePath));
        else
            try { File.Delete(_state.ArchivePath); } catch (IOException) { }
    }

    protected override void PostStop()
    {
        _workers.Unsubscribe(Context.System, Self);
    }

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
