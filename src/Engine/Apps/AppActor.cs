using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Persistence;
using Engine.Containers;
using Engine.Deployments;
using Engine.Hosting;
using Engine.Routing;
using Engine.Workers;
using ClusterSettings = Engine.Cluster.ClusterSettings;

namespace Engine.Apps;

/// <summary>One app: its environment, its deployment queue (one runs at a time) and which version holds the traffic.
/// After a restart it restores the routed version's containers and route, and removes containers nobody owns. Its Docker
/// work runs on the routed version's worker (see <see cref="OnWorker"/>).</summary>
public sealed class AppActor : ReceivePersistentActor
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan RestoreRetryDelay = TimeSpan.FromSeconds(5);
    private const int MaxRestoreAttempts = 5;
    /// <summary>Images of this many latest successful releases stay, for rollbacks.</summary>
    private const int KeptReleases = 5;
    private readonly EngineSettings _settings;
    private readonly IContainerRuntime? _runtime;
    private readonly IActorRef _router;
    /// <summary>The registry, told when this app stops and when it is back. Null: the parent (given a runtime, the
    /// registry makes apps its children; else they are sharded entities).</summary>
    private readonly IActorRef? _directory;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private AppState _state;
    private string? _running;
    private readonly HashSet<string> _revived = [];
    private int _restoreAttempts;
    /// <summary>Who waits for the event being persisted: told at once when the journal cannot take it.</summary>
    private IActorRef _awaitingJournal = ActorRefs.Nobody;
    /// <summary>Finished deployments being passivated (by actor name), with what came for them meanwhile.</summary>
    private readonly Dictionary<string, List<(object Message, IActorRef Sender)>> _passivating = [];
    /// <summary>The children doing Docker work, by role: the worker each was made for, and its name.</summary>
    private readonly Dictionary<string, (Address? Worker, string Name)> _workerChildren = [];
    private int _generation;
    /// <summary>Recovered while no worker node was up: the containers are restored once one is.</summary>
    private bool _awaitingWorker;

    public static Props Props(string app, EngineSettings settings, IContainerRuntime? runtime, IActorRef router,
        IActorRef? directory = null) =>
        Akka.Actor.Props.Create(() => new AppActor(app, settings, runtime, router, directory));

    public override string PersistenceId => $"app-{_state.Name}";

    public AppActor(string app, EngineSettings settings, IContainerRuntime? runtime, IActorRef router, IActorRef? directory)
    {
        _state = new AppState(app);
        _settings = settings;
        _runtime = runtime;
        _router = router;
        _directory = directory;

        Recover<IAppEvent>(e => _state = _state.Apply(e));
        Recover<RecoveryCompleted>(_ => OnRecovered());

        Command<CreateDeployment>(c => PersistFor(Sender, _state.DecideDeployment(c, DateTimeOffset.UtcNow), e =>
        {
            _state = _state.Apply(e);
            SetReceiveTimeout(null);
            Deployment(e.DeploymentId).Forward(GetDeploymentView.Instance);
            StartNext();
        }));
        // A sharded app that never had a deployment stops when idle: sharding then forgets it, so a restart does not
        // recover it (it starts again on demand).
        Command<ReceiveTimeout>(_ =>
        {
            SetReceiveTimeout(null);
            if (_state.Deployments.Count > 0) return;
            _log.Info("{0} is idle (never deployed): stopped until asked", _state.Name);
            Context.Parent.Tell(new Passivate(PoisonPill.Instance));
        });
        Command<ChangeEnv>(c =>
        {
            if (_state.DecideEnv(c, DateTimeOffset.UtcNow, out var error) is { } e)
                PersistFor(Sender, e, _ => { _state = _state.Apply(e); Sender.Tell(_state.EnvView); });
            else Sender.Tell(new AppError(error!));
        });
        Command<GetEnv>(_ => Sender.Tell(_state.EnvView));
        Command<GetApp>(_ => Sender.Tell(View));
        // Finished deployments answer from the app's own record; only running ones (and ends journaled before outcomes
        // were kept) ask their actor.
        Command<GetDeployments>(g =>
        {
            if (_state.Deployments.All(d => _state.ViewOf(d) is not null))
                Sender.Tell(_state.Deployments.Select(d => _state.ViewOf(d)!).ToArray());
            else Task.WhenAll(_state.Deployments.Select(d => _state.ViewOf(d) is { } view
                    ? Task.FromResult(view)
                    : Self.Ask<DeploymentView>(new GetDeployment(g.App, d.Id), AskTimeout)))
                .PipeTo(Sender, success: views => views);
        });
        Command<GetDeployment>(g =>
        {
            if (_state.Find(g.DeploymentId) is not { } d)
                Sender.Tell(new AppError($"deployment '{g.DeploymentId}' not found", NotFound: true));
            else if (_state.ViewOf(d) is { } view) Sender.Tell(view);
            else Send(g.DeploymentId, GetDeploymentView.Instance, Sender);
        });
        // A deployment's log is a file on this node: any node's admin API reads it, and waits on it, through here.
        Command<ReadDeploymentLog>(r => Sender.Tell(RefuseLog(r.DeploymentId)
            ?? (object)FileChunk.Read(_settings.LogPath(r.DeploymentId), r.Offset, missing: null)));
        Command<WatchDeployment>(w =>
        {
            if (RefuseLog(w.DeploymentId) is { } refused) Sender.Tell(refused);
            else
            {
                // The event stream unsubscribes it once it stops, wherever it runs.
                Context.System.EventStream.Subscribe(w.Waiter, typeof(DeploymentChanged));
                var log = new FileInfo(_settings.LogPath(w.DeploymentId));
                Sender.Tell(new WatchingDeployment(log.Exists ? log.Length : 0));
            }
        });
        Command<PassivateDeployment>(p =>
        {
            var name = DeploymentActor.NameFor(p.DeploymentId);
            if (!_state.Ended.ContainsKey(p.DeploymentId) || _passivating.ContainsKey(name) || Context.Child(name) is not { } child
                || child.IsNobody() || !child.Equals(Sender)) return;
            _passivating[name] = [];
            // A message, not a system stop: whatever the app sent it before is handled first.
            child.Tell(PoisonPill.Instance);
        });
        Command<PromoteDeployment>(p =>
        {
            if (_state.RefusePromote(p.DeploymentId) is { } refused)
            {
                _log.Warning("{0}: refusing to promote: {1}", _state.Name, refused);
                Sender.Tell(new AppError(refused));
            }
            else if (_state.Routed?.DeploymentId == p.DeploymentId) Sender.Tell(new DeploymentPromoted(p.DeploymentId));
            else PersistFor(Sender, new DeploymentRouted(_state.Name, p.DeploymentId, p.Version, p.Containers.ToList(),
                DateTimeOffset.UtcNow, p.Worker, p.WorkerHost), e =>
            {
                _state = _state.Apply(e);
                Keeper.Tell(new KeepOnly(e.DeploymentId));
                Sender.Tell(new DeploymentPromoted(p.DeploymentId));
            });
        });
        Command<DeploymentFinished>(f =>
        {
            if (_running == f.DeploymentId) _running = null;
            if (_state.Ended.ContainsKey(f.DeploymentId) || _state.Find(f.DeploymentId) is null) StartNext();
            else Persist(new DeploymentEnded(_state.Name, f.DeploymentId, f.Status, DateTimeOffset.UtcNow, f.Error, f.FinishedAt), e =>
            {
                _state = _state.Apply(e);
                PruneImages();
                StartNext();
            });
        });
        Command<ImagesPruned>(p =>
        {
            if (p.Failed.Count > 0) _log.Warning("{0}: {1} image(s) not removed yet: {2}", p.App, p.Failed.Count, string.Join("; ", p.Failed));
        });
        // Replies from the restore supervisor started at recovery.
        Command<ContainersUp>(up =>
        {
            if (_state.Routed is { } routed && up.Containers.All(c => c.DeploymentId == routed.DeploymentId))
                _router.Tell(RouteFor(routed));
        });
        Command<ContainersFailed>(f =>
        {
            _log.Error("{0}: could not restore the routed version: {1}", _state.Name, f.Error);
            if (_state.Routed is { } routed && ++_restoreAttempts < MaxRestoreAttempts)
                Context.System.Scheduler.ScheduleTellOnce(RestoreRetryDelay, OnWorker("restore", () => ContainerSupervisorActor.Props(_runtime)),
                    new StartContainers(routed.Containers, _settings.StartTimeout, ReuseRunning: true), Self);
        });
        Command<ContainersRemoved>(_ => { });
        Command<DeploymentLogLine>(l => _log.Info("{0} restore: {1}", _state.Name, l.Text));
        Command<Terminated>(t => OnDeploymentStopped(t.ActorRef.Path.Name));
        Command<ReconcileContainers>(_ => Reconcile());
        Command<ClusterEvent.MemberUp>(up =>
        {
            if (!_awaitingWorker || !up.Member.HasRole(ClusterSettings.Worker)) return;
            _awaitingWorker = false;
            Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self, typeof(ClusterEvent.MemberUp));
            Reconcile();
            PruneImages();
        });
        // Supervision after success: only the routed version's containers are kept up.
        Command<ContainerExited>(x =>
        {
            if (_state.Routed is { } routed && routed.DeploymentId == x.DeploymentId
                && routed.Containers.FirstOrDefault(c => c.Slot == x.Slot) is { } spec)
                Keeper.Tell(new ReviveContainer(spec, x.ContainerId, x.ExitCode));
        });
        Command<ContainerRevived>(r =>
        {
            if (_state.Routed?.DeploymentId != r.Spec.DeploymentId) return;
            Persist(new ContainerRestarted(_state.Name, r.Spec.DeploymentId, r.Spec.Slot, r.ExitCode, DateTimeOffset.UtcNow),
                e => _state = _state.Apply(e));
        });
        // Plain collections in answers that may cross nodes: Newtonsoft cannot rebuild immutable dictionaries.
        Command<GetContainerRestarts>(_ => Sender.Tell(new ContainerRestartsView(new Dictionary<string, SlotRestarts>(_state.Restarts))));
        Command<ListContainers>(l =>
        {
            if (_runtime is null && WorkerPlacement.Up(Context.System).Count == 0)
                Sender.Tell(new ContainersListed([], "no worker node is up to ask its Docker engine"));
            else OnWorker("docker", () => ContainerSupervisorActor.Props(_runtime)).Forward(l);
        });
        // A List, for the same reason: nor can it rebuild the compiler's collection-expression types.
        Command<GetAuditSources>(g => Sender.Tell(new AuditSources(_state.Name, (List<JournalRange>)
        [
            .. g.Registration is { } registered ? [registered] : Array.Empty<JournalRange>(),
            new JournalRange(PersistenceId, 1, LastSequenceNr),
            .. _state.Deployments.Select(d => new JournalRange(DeploymentActor.NameFor(d.Id), 1, long.MaxValue)),
        ])));
    }

    // Given a runtime (tests), the keeper runs here with this node's settings; else on the worker, with its own.
    private IActorRef Keeper => OnWorker("keeper",
        () => ContainerKeeperActor.Props(_runtime, _router, _settings.StartTimeout, _runtime is null ? null : _settings.Cluster));

    /// <summary>True while no worker node is up (after a whole-cluster restart the control nodes may come first); the
    /// first one to come up brings the reconciliation on.</summary>
    private bool NoWorkerYet()
    {
        if (_runtime is not null || WorkerPlacement.Up(Context.System).Count > 0) return false;
        if (!_awaitingWorker)
        {
            _awaitingWorker = true;
            Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
                typeof(ClusterEvent.MemberUp));
        }
        return true;
    }

    /// <summary>The child doing this kind of Docker work, on the routed version's worker while it is up, else on the first
    /// up worker (given a runtime, here). Made anew, under a new name, when that worker changed.</summary>
    private IActorRef OnWorker(string role, Func<Props> props)
    {
        var worker = _runtime is null ? WorkerPlacement.Pick(Context.System, _state.Routed?.Worker) : null;
        if (_workerChildren.TryGetValue(role, out var made) && Context.Child(made.Name) is { } child && !child.IsNobody())
        {
            if (made.Worker == worker) return child;
            Context.Stop(child);
        }
        var name = $"{role}-{++_generation}";
        _workerChildren[role] = (worker, name);
        return Context.ActorOf(_runtime is null ? WorkerPlacement.On(worker, props()) : props(), name);
    }

    /// <summary>A pending deployment whose actor stopped (e.g. a failed journal write) would block the queue for good:
    /// recover it once, which ends it as aborted; if it stops again, the app records it as ended and moves on.</summary>
    private void OnDeploymentStopped(string childName)
    {
        if (_passivating.Remove(childName, out var meanwhile))
        {
            // What came while it stopped goes to its next incarnation, recovered from the journal.
            foreach (var (message, sender) in meanwhile)
                Deployment(childName[DeploymentActor.NameFor("").Length..]).Tell(message, sender);
            return;
        }
        if (_state.Pending.FirstOrDefault(d => DeploymentActor.NameFor(d.Id) == childName) is not { } stopped) return;
        if (_running == stopped.Id) _running = null;
        if (_revived.Add(stopped.Id))
        {
            _log.Warning("{0}: deployment {1} stopped unexpectedly; recovering it", _state.Name, stopped.Id);
            Deployment(stopped.Id);
            StartNext();
        }
        else Persist(new DeploymentEnded(_state.Name, stopped.Id, DeploymentStatus.Aborted, DateTimeOffset.UtcNow,
            "the deployment stopped unexpectedly twice", DateTimeOffset.UtcNow), e =>
        {
            _log.Error("{0}: deployment {1} stopped again; recorded as aborted", _state.Name, stopped.Id);
            _state = _state.Apply(e);
            StartNext();
        });
    }

    private void PersistFor<TEvent>(IActorRef waiting, TEvent e, Action<TEvent> then)
    {
        _awaitingJournal = waiting;
        Persist(e, x => { _awaitingJournal = ActorRefs.Nobody; then(x); });
    }

    private IActorRef Directory => _directory ?? Context.Parent;

    private AppError? RefuseLog(string deploymentId) =>
        _state.Find(deploymentId) is null ? new AppError($"deployment '{deploymentId}' not found", NotFound: true)
        : !System.IO.Directory.Exists(_settings.LogDir)
            ? new AppError($"the log directory {_settings.LogDir} is gone (was the data directory removed?)", Unavailable: true)
        : null;

    /// <summary>Akka stops the actor after this; the registry (or the shard, remembering it) brings it back after a
    /// while. Routes stay up meanwhile.</summary>
    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        _awaitingJournal.Tell(AppError.JournalUnwritable(cause));
        Directory.Tell(new AppUnavailable(_state.Name, $"app '{_state.Name}' stopped (a journal write failed)"));
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        _awaitingJournal.Tell(AppError.JournalUnwritable(cause));
        base.OnPersistRejected(cause, @event, sequenceNr);
    }

    /// <summary>An unreadable entry: this app cannot run, every other one must. Akka stops the actor after this.</summary>
    protected override void OnRecoveryFailure(Exception reason, object? message = null)
    {
        Directory.Tell(new AppUnavailable(_state.Name,
            $"app '{_state.Name}' could not be recovered from the journal: {reason.GetBaseException().Message}"));
        base.OnRecoveryFailure(reason, message);
    }

    /// <summary>The view of an app that never had a deployment.</summary>
    public static AppView IdleView(string app, EngineSettings settings) =>
        new(app, null, null, 0, settings.AppUrl(app));

    private AppView View => new(_state.Name, _state.Routed is { } r ? $"v{r.Version}" : null, _state.Routed?.DeploymentId,
        _state.Deployments.Count, _settings.AppUrl(_state.Name), ((ExtendedActorSystem)Context.System).Provider.DefaultAddress.ToString());

    private SwitchRoute RouteFor(RoutedRelease routed) => new(_state.Name, routed.DeploymentId, $"v{routed.Version}",
        routed.Containers.Where(c => c.Port is not null)
            .Select(c => ClusterSettings.WebEndpoint(routed.WorkerHost ?? _settings.Cluster.AdvertiseHost, c.Port!.Value)).ToList(),
        ActorRefs.Nobody);

    private void OnRecovered()
    {
        _directory?.Tell(new AppRecovered(_state.Name));
        if (_directory is not null && _state.Deployments.Count == 0) SetReceiveTimeout(_settings.IdleAppPassivation);
        _router.Tell(new AppKnown(_state.Name));
        // Containers only ever come from a deployment: an app without any has none to restore or remove.
        if (_state.Deployments.Count > 0) Reconcile();
        PruneImages();
        StartNext();
    }

    /// <summary>Brings the routed version's containers back and removes every container that belongs to no routed or
    /// pending deployment. At recovery, and whenever Docker comes back after an outage.</summary>
    private void Reconcile()
    {
        if (NoWorkerYet()) return;
        _restoreAttempts = 0;
        var restore = OnWorker("restore", () => ContainerSupervisorActor.Props(_runtime));
        var keep = _state.Pending.Select(d => d.Id).ToList();
        if (_state.Routed is { } routed)
        {
            keep.Add(routed.DeploymentId);
            restore.Tell(new StartContainers(routed.Containers, _settings.StartTimeout, ReuseRunning: true));
        }
        restore.Tell(RemoveContainers.AllBut(_state.Name, keep, TimeSpan.Zero));
    }

    /// <summary>Failed deployments' images and releases older than the kept ones go (after their containers: Docker
    /// refuses to remove an image a container still uses).</summary>
    private void PruneImages()
    {
        var drop = _state.ImagesToDrop(KeptReleases);
        if (drop.Count == 0 || NoWorkerYet()) return;
        OnWorker("images", () => ContainerSupervisorActor.Props(_runtime)).Tell(new PruneImages(_state.Name, drop));
    }

    /// <summary>Lets the oldest pending deployment run when none is running.</summary>
    private void StartNext()
    {
        if (_running is not null && !_state.Ended.ContainsKey(_running)) return;
        _running = _state.Pending.FirstOrDefault()?.Id;
        if (_running is not null) Send(_running, StartDeployment.Instance, Self);
    }

    /// <summary>To a deployment's actor, recovering it when needed; held back while it is being passivated.</summary>
    private void Send(string deploymentId, object message, IActorRef sender)
    {
        if (_passivating.TryGetValue(DeploymentActor.NameFor(deploymentId), out var meanwhile)) meanwhile.Add((message, sender));
        else Deployment(deploymentId).Tell(message, sender);
    }

    private IActorRef Deployment(string id)
    {
        var name = DeploymentActor.NameFor(id);
        if (Context.Child(name) is { } child && !child.IsNobody()) return child;
        var d = _state.Find(id) ?? throw new InvalidOperationException($"unknown deployment {id}");
        var init = new DeploymentCreated(_state.Name, d.Id, d.Version, d.ArchivePath, new Dictionary<string, string>(d.Env), d.QueuedAt,
            d.ArchiveNode);
        return Context.Watch(Context.ActorOf(DeploymentActor.Props(init, _settings, _runtime, _router), name));
    }
}
