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
/// work runs on the workers of the routed version's containers (see <see cref="OnWorker"/>).</summary>
public sealed class AppActor : ReceivePersistentActor, IWithTimers
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan RestoreRetryDelay = TimeSpan.FromSeconds(5);
    private const int MaxRestoreAttempts = 5;
    /// <summary>Images of this many latest successful releases stay, for rollbacks.</summary>
    private const int KeptReleases = 5;
    private readonly EngineSettings _settings;
    private readonly IWorkers _workers;
    private readonly IActorRef _router;
    /// <summary>The registry, told when this app stops and when it is back.</summary>
    private readonly IActorRef _directory;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private AppState _state;
    private string? _running;
    private readonly HashSet<string> _revived = [];
    private int _restoreAttempts;
    /// <summary>Who waits for the event being persisted: told at once when the journal cannot take it.</summary>
    private IActorRef _awaitingJournal = ActorRefs.Nobody;
    /// <summary>Finished deployments being passivated (by actor name), with what came for them meanwhile.</summary>
    private readonly Dictionary<string, List<(object Message, IActorRef Sender)>> _passivating = [];
    /// <summary>The children doing Docker work, by role and worker.</summary>
    private readonly WorkerChildren _children;
    /// <summary>Recovered while no worker node was up: the containers are restored once one is.</summary>
    private bool _awaitingWorker;
    /// <summary>A scale (or the start of a lost worker's containers elsewhere) under way: who waits for it, the formation
    /// change it commits (none when moving lost containers), and the release's containers that stay.</summary>
    private sealed record Scaling(IActorRef ReplyTo, FormationChanged? Change, IReadOnlyList<ContainerSpec> Keep, string Reason);
    private Scaling? _scaling;
    /// <summary>A restart under way: who waits for it, who asked, and the slots whose exits are its own.</summary>
    private sealed record Restarting(IActorRef ReplyTo, string By, string DeploymentId)
    {
        public HashSet<string> Slots { get; } = [];
    }
    private Restarting? _restarting;
    private static readonly TimeSpan ReplaceRetryDelay = TimeSpan.FromSeconds(5);
    /// <summary>How long the containers of a worker that left wait for it to come back under its name (a restart keeps
    /// them running) before they start on the other workers. Its web containers stay routed meanwhile as long as they
    /// answer.</summary>
    public static readonly TimeSpan LostWorkerGrace = TimeSpan.FromSeconds(10);

    /// <param name="Worker">The worker whose removal from the cluster brought it on (null: a check at recovery).</param>
    private sealed record ReplaceLost(string? Worker = null)
    {
        public static readonly ReplaceLost Instance = new();
    }

    public static Props Props(string app, EngineSettings settings, IWorkers workers, IActorRef router, IActorRef directory) =>
        Akka.Actor.Props.Create(() => new AppActor(app, settings, workers, router, directory));

    public ITimerScheduler Timers { get; set; } = null!;

    public const string PersistencePrefix = "app-";
    public override string PersistenceId => PersistencePrefix + _state.Name;

    public AppActor(string app, EngineSettings settings, IWorkers workers, IActorRef router, IActorRef directory)
    {
        _state = new AppState(app);
        _settings = settings;
        _workers = workers;
        _router = router;
        _directory = directory;
        _children = new WorkerChildren(workers);

        Recover<IAppEvent>(e => _state = _state.Apply(e));
        Recover<RecoveryCompleted>(_ => OnRecovered());

        // A repeated upload (its client lost the first answer) gets the deployment the first one made.
        Command<CreateDeployment>(c => _state.Repeated(c) is not null, c =>
        {
            var first = _state.Repeated(c)!;
            (_state.ViewOf(first) is { } ended ? Task.FromResult(ended)
                    : Self.Ask<DeploymentView>(new GetDeployment(_state.Name, first.Id), AskTimeout))
                .PipeTo(Sender, success: view => new DeploymentRepeated(view));
        });
        Command<CreateDeployment>(c => PersistFor(Sender, _state.DecideDeployment(c, DateTimeOffset.UtcNow), e =>
        {
            _state = _state.Apply(e);
            SetReceiveTimeout(null);
            // Answered from the app's record: the upload's answer waits on no other actor's recovery.
            Deployment(e.DeploymentId);
            Sender.Tell(_state.QueuedView(_state.Find(e.DeploymentId)!));
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
        Command<GetFormation>(_ => Sender.Tell(_state.FormationView));
        Command<ScaleApp>(s =>
        {
            if (_scaling is not null) Sender.Tell(new AppError($"a scale of '{_state.Name}' is under way: try again once it has ended"));
            else if (_state.DecideScale(s, DateTimeOffset.UtcNow, out var refusal) is not { } change) Sender.Tell(refusal!);
            else
            {
                var routed = _state.Routed!; // DecideScale refuses before the first release
                var formation = _state.Apply(change).ReleaseFormation(routed);
                Scale(new Scaling(Sender, change, routed.Containers.Where(c => formation.Any(f => f.Type == c.Type && c.Index <= f.Count)).ToList(),
                    $"scaled to {string.Join(" ", formation.Select(f => $"{f.Type}={f.Count}"))}"), formation);
            }
        });
        Command<ContainersAdded>(a => _scaling is not null, a => CommitScale(_scaling!, a.Containers));
        Command<RestartApp>(r =>
        {
            if (_state.Routed is not { } routed)
                Sender.Tell(new AppError($"app '{_state.Name}' has no routed release to restart: deploy it first", Conflict: true));
            else if (_scaling is not null || _restarting is not null || _state.Pending.Any())
                Sender.Tell(new AppError($"a deployment, scale or restart of '{_state.Name}' is under way: restart once it has ended", Conflict: true));
            else
            {
                _restarting = new Restarting(Sender, r.By, routed.DeploymentId);
                Context.ActorOf(RestartActor.Props(routed.Containers.OrderBy(c => c.Type != Procfile.Web).ThenBy(c => c.Type, StringComparer.Ordinal)
                    .ThenBy(c => c.Index).Select(c => (c with { Worker = routed.WorkerOf(c) }, c.Port is null ? null : Endpoint(routed, c))).ToList(),
                    _router, _settings, _workers));
            }
        });
        Command<RestartingSlot>(s => _restarting?.Slots.Add(s.Slot));
        Command<ContainersRestarted>(_ => _restarting is not null, r =>
        {
            var restarting = _restarting!;
            var restarted = new AppRestarted(_state.Name, restarting.DeploymentId, r.Containers.Select(c => c.Slot).ToList(), restarting.By,
                DateTimeOffset.UtcNow, r.Error);
            PersistFor(restarting.ReplyTo, restarted, e =>
            {
                _restarting = null;
                if (e.Error is null)
                    restarting.ReplyTo.Tell(r.Containers.Select(c => new RestartedContainer(c.Type, c.Slot, c.Worker)).ToArray());
                else
                {
                    _log.Error("{0}: the restart stopped: {1}", _state.Name, e.Error);
                    restarting.ReplyTo.Tell(new AppError($"the restart stopped after {r.Containers.Count} container(s): {e.Error}"));
                    // Whatever it left stopped comes back.
                    Reconcile();
                }
                StartNext();
            });
        });
        Command<ScaleFailed>(f => _scaling is not null, f =>
        {
            _log.Error("{0}: {1} failed: {2}", _state.Name, _scaling!.Reason, f.Error);
            _scaling.ReplyTo.Tell(new AppError(f.Error));
            if (_scaling.Change is null) Timers.StartSingleTimer("replace-retry", ReplaceLost.Instance, ReplaceRetryDelay);
            _scaling = null;
        });
        Command<ReplaceLost>(r =>
        {
            if (_state.Routed is not { } routed) return;
            if (LostContainers(routed) is not { Count: > 0 } lost)
            {
                if (r.Worker is { } back && routed.Containers.Any(c => c.Worker == back))
                    _log.Info("{0}: worker {1} is back: its containers stay there", _state.Name, back);
                return;
            }
            if (_scaling is not null || _state.Pending.Any())
                Timers.StartSingleTimer("replace-retry", ReplaceLost.Instance, ReplaceRetryDelay);
            else Scale(new Scaling(ActorRefs.Nobody, null, routed.Containers.Except(lost).ToList(),
                $"started {string.Join(", ", lost.Select(c => c.Slot))} again off lost worker(s) "
                + string.Join(", ", lost.Select(routed.WorkerOf).Distinct())), _state.ReleaseFormation(routed));
        });
        // A worker that cannot be reached keeps its web containers in the route: an engine frozen or cut off may leave
        // them serving, and the routers take out those that stop answering (FailuresInARowPolicy). Once the cluster
        // removed it, they start on the other workers.
        Command<ClusterEvent.MemberRemoved>(r =>
        {
            if (r.Member.HasRole(ClusterSettings.Worker)) ReplaceLostLater(WorkerPlacement.NameOf(r.Member));
        });
        Command<RouteSwitched>(_ => { });
        // A scale's route no longer holds the containers it removed, and no request is in flight to them: they go.
        Command<RouteDrained>(d => { if (_state.Routed?.DeploymentId == d.DeploymentId) RemoveOffRelease(_settings.StopGrace); });
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
        Command<CancelDeployment>(c =>
        {
            if (_state.Find(c.DeploymentId) is not { } d) Sender.Tell(new AppError($"deployment '{c.DeploymentId}' not found", NotFound: true));
            else if (_state.Ended.TryGetValue(d.Id, out var status))
                Sender.Tell(new AppError($"deployment {d.Id} cannot be canceled: it already ended as {status}", Conflict: true));
            else Send(d.Id, new CancelRequested(c.By), Sender);
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
                DateTimeOffset.UtcNow, p.Worker, p.WorkerHost, p.Processes?.ToList()), e =>
            {
                _state = _state.Apply(e);
                foreach (var keeper in Context.GetChildren().Where(c => c.Path.Name.StartsWith(KeeperRole + "-", StringComparison.Ordinal)))
                    keeper.Tell(new KeepOnly(e.DeploymentId));
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
            if (_state.Routed is not null && ++_restoreAttempts < MaxRestoreAttempts)
                Timers.StartSingleTimer("restore-retry", RetryRestore.Instance, RestoreRetryDelay);
        });
        Command<RetryRestore>(_ => Restore());
        Command<ContainersRemoved>(_ => { });
        Command<DeploymentLogLine>(l => _log.Info("{0} restore: {1}", _state.Name, l.Text));
        Command<Terminated>(t => OnDeploymentStopped(t.ActorRef.Path.Name));
        Command<ReconcileContainers>(_ => Reconcile());
        Command<ClusterEvent.MemberUp>(up =>
        {
            if (!up.Member.HasRole(ClusterSettings.Worker)) return;
            if (_awaitingWorker) Self.Tell(new WorkerCameUp(0));
            // A worker back under its name (a restart; Docker kept its containers): they are found by their labels and
            // routed again. Cluster.State may not show it up yet: a moment later.
            else if (_state.Routed is { } routed && routed.Containers.Any(c => c.Worker == WorkerPlacement.NameOf(up.Member)))
            {
                _log.Info("{0}: worker {1} is up: its containers are found by their labels", _state.Name, WorkerPlacement.NameOf(up.Member));
                Timers.StartSingleTimer("restore-retry", RetryRestore.Instance, TimeSpan.FromSeconds(2));
            }
        });
        // Subscribed after recovery: a worker already up then is in this snapshot, not in a MemberUp.
        Command<ClusterEvent.CurrentClusterState>(s =>
        {
            if (_awaitingWorker && s.Members.Any(m => m.Status == MemberStatus.Up && m.HasRole(ClusterSettings.Worker)))
                Self.Tell(new WorkerCameUp(0));
        });
        // Cluster.State, which placement reads, follows the events a moment later: until it shows the worker, a few
        // short retries.
        Command<WorkerCameUp>(w =>
        {
            if (!_awaitingWorker) return;
            if (_workers.Up(Context.System).Count == 0)
            {
                if (w.Tries < 20) Timers.StartSingleTimer("worker-came-up", new WorkerCameUp(w.Tries + 1), TimeSpan.FromMilliseconds(500));
                return;
            }
            _awaitingWorker = false;
            Reconcile();
            PruneImages();
        });
        // Supervision after success: only the routed version's containers are kept up.
        Command<ContainerExited>(x =>
        {
            if (_restarting is { } restarting && restarting.DeploymentId == x.DeploymentId && restarting.Slots.Contains(x.Slot)) return;
            if (_state.Routed is { } routed && routed.DeploymentId == x.DeploymentId
                && routed.Containers.FirstOrDefault(c => c.Slot == x.Slot) is { } spec)
                Keeper(spec).Tell(new ReviveContainer(spec, x.ContainerId, x.ExitCode));
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
            if (_workers.Up(Context.System).Count == 0)
                Sender.Tell(new ContainersListed([], "no worker node is up to ask its Docker engine"));
            else Context.ActorOf(FanOutActor.Props(EveryWorker("docker"), l, ListedOnAll, Sender, AskTimeout));
        });
        // A List, for the same reason: nor can it rebuild the compiler's collection-expression types.
        Command<GetAuditSources>(g => Sender.Tell(new AuditSources(_state.Name, (List<JournalRange>)
        [
            .. g.Registration is { } registered ? [registered] : Array.Empty<JournalRange>(),
            new JournalRange(PersistenceId, 1, LastSequenceNr),
            .. _state.Deployments.Select(d => new JournalRange(DeploymentActor.NameFor(d.Id), 1, long.MaxValue)),
        ])));
    }

    /// <summary>The keeper runs on the container's worker, with that node's Docker and settings.</summary>
    private const string KeeperRole = "keeper";

    private sealed record WorkerCameUp(int Tries);

    private sealed record RetryRestore
    {
        public static readonly RetryRestore Instance = new();
    }

    /// <summary>The keeper on the container's worker.</summary>
    private IActorRef Keeper(ContainerSpec spec) => OnWorker(KeeperRole, spec, () => ContainerKeeperActor.Props(_router, _settings.StartTimeout));

    /// <summary>This kind of child on every up worker.</summary>
    private IReadOnlyList<IActorRef> EveryWorker(string role) => _workers.Addresses(Context.System)
        .Select(w => _children.Get(Context, role, w, () => ContainerSupervisorActor.Props())).ToList();

    /// <summary>Every worker's containers in one list, each with its worker; an error names the workers that did not answer.</summary>
    private static object ListedOnAll(IReadOnlyList<(IActorRef Target, object? Reply)> replies)
    {
        var errors = replies.Where(r => r.Reply is not ContainersListed { Error: null })
            .Select(r => $"worker {r.Target.Path.Address}: {(r.Reply as ContainersListed)?.Error ?? "no answer"}").ToList();
        return new ContainersListed(replies.Select(r => r.Reply).OfType<ContainersListed>()
            .SelectMany(l => l.Containers.Select(c => c with { Worker = c.Worker ?? l.Worker })).ToList(),
            errors.Count > 0 ? string.Join("; ", errors) : null);
    }

    /// <summary>True while no worker node is up (after a whole-cluster restart the control nodes may come first); the
    /// first one to come up brings the reconciliation on.</summary>
    private bool NoWorkerYet()
    {
        if (_workers.Up(Context.System).Count > 0) return false;
        _awaitingWorker = true;
        return true;
    }

    /// <summary>The child doing this kind of Docker work on the worker of <paramref name="spec"/> (its release's for specs
    /// journaled before containers were placed one by one) while it is up, else on the first up worker.</summary>
    private IActorRef OnWorker(string role, ContainerSpec? spec, Func<Props> props) => _children.Get(Context, role,
        _workers.Pick(Context.System, spec?.Worker ?? _state.Routed?.Worker), props);

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
        _directory.Tell(new AppUnavailable(_state.Name, $"app '{_state.Name}' stopped (a journal write failed)"));
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
        _directory.Tell(new AppUnavailable(_state.Name,
            $"app '{_state.Name}' could not be recovered from the journal: {reason.GetBaseException().Message}"));
        base.OnRecoveryFailure(reason, message);
    }

    /// <summary>The view of an app that never had a deployment.</summary>
    public static AppView IdleView(string app, EngineSettings settings) =>
        new(app, null, null, 0, settings.AppUrl(app));

    private AppView View => new(_state.Name, _state.Routed is { } r ? $"v{r.Version}" : null, _state.Routed?.DeploymentId,
        _state.Deployments.Count, _settings.AppUrl(_state.Name), ((ExtendedActorSystem)Context.System).Provider.DefaultAddress.ToString());

    private SwitchRoute RouteFor(RoutedRelease routed, IActorRef? replyTo = null) => new(_state.Name, routed.DeploymentId,
        $"v{routed.Version}", routed.Containers.Where(c => c.Port is not null).Select(c => Endpoint(routed, c)).ToList(),
        replyTo ?? ActorRefs.Nobody);

    private string Endpoint(RoutedRelease routed, ContainerSpec c) =>
        ClusterSettings.WebEndpoint(c.WorkerHost ?? routed.WorkerHost ?? _settings.Cluster.AdvertiseHost, c.Port!.Value);

    private void OnRecovered()
    {
        _workers.Subscribe(Context.System, Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot,
            typeof(ClusterEvent.MemberUp), typeof(ClusterEvent.MemberRemoved));
        _directory.Tell(new AppRecovered(_state.Name));
        if (_state.Deployments.Count == 0) SetReceiveTimeout(_settings.IdleAppPassivation);
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
        Restore();
        var keep = _state.Pending.Select(d => d.Id).ToList();
        if (_state.Routed is { } routed) keep.Add(routed.DeploymentId);
        foreach (var worker in EveryWorker("restore")) worker.Tell(RemoveContainers.AllBut(_state.Name, keep, TimeSpan.Zero));
        RemoveOffRelease(TimeSpan.Zero);
        ReplaceLostLater();
    }

    /// <summary>The routed version's containers, each on its own worker; those of a worker that is gone start elsewhere
    /// (<see cref="ReplaceLost"/>).</summary>
    private void Restore()
    {
        if (_state.Routed is not { } routed) return;
        var lost = LostContainers(routed);
        foreach (var group in routed.Containers.Except(lost).GroupBy(routed.WorkerOf))
            OnWorker("restore", group.First(), () => ContainerSupervisorActor.Props())
                .Tell(new StartContainers(group.ToList(), _settings.StartTimeout, ReuseRunning: true));
    }

    /// <summary>Containers of the routed release placed on a worker that is not up (none for specs journaled before
    /// containers were placed one by one: those go wherever a worker is).</summary>
    private IReadOnlyList<ContainerSpec> LostContainers(RoutedRelease routed) =>
        routed.Containers.Where(c => c.Worker is { } w && _workers.Find(Context.System, w) is null).ToList();

    /// <summary>On each worker, the routed release's containers that are not its own there any more (scaled away, or
    /// started elsewhere while it was gone).</summary>
    private void RemoveOffRelease(TimeSpan grace)
    {
        if (_state.Routed is not { } routed) return;
        foreach (var worker in _workers.Up(Context.System))
            _children.Get(Context, "restore", worker.Address, () => ContainerSupervisorActor.Props())
                .Tell(RemoveContainers.OfDeploymentBut(_state.Name, routed.DeploymentId, routed.Containers
                    .Where(c => routed.WorkerOf(c) is not { } w || w == worker.Name || w == worker.Address.ToString())
                    .Select(c => c.Slot), grace));
    }

    private void Scale(Scaling scaling, IReadOnlyList<(string Type, int Count)> formation)
    {
        _scaling = scaling;
        var routed = _state.Routed!;
        if (formation.All(f => scaling.Keep.Count(k => k.Type == f.Type) >= f.Count)) CommitScale(scaling, []);
        else Context.ActorOf(ScaleActor.Props(routed, formation, scaling.Keep, _settings, _workers));
    }

    /// <summary>Journals the new formation and containers, then routes them: added ones are up already; removed ones
    /// leave the route first, and go once it has drained (RouteDrained).</summary>
    private void CommitScale(Scaling scaling, IReadOnlyList<ContainerSpec> added)
    {
        var routed = _state.Routed!;
        var containers = scaling.Keep.Concat(added).OrderBy(c => c.Type, StringComparer.Ordinal).ThenBy(c => c.Index).ToList();
        IAppEvent scaled = new ReleaseScaled(_state.Name, routed.DeploymentId, containers, scaling.Reason, DateTimeOffset.UtcNow);
        PersistAll<IAppEvent>(scaling.Change is { } change ? [change, scaled] : [scaled], e =>
        {
            _state = _state.Apply(e);
            if (e is not ReleaseScaled) return;
            _log.Info("{0}: {1}", _state.Name, scaling.Reason);
            _router.Tell(RouteFor(_state.Routed!, Self));
            scaling.ReplyTo.Tell(_state.FormationView);
            _scaling = null;
        });
    }

    private void ReplaceLostLater(string? worker = null) =>
        Timers.StartSingleTimer("lost-" + worker, new ReplaceLost(worker), LostWorkerGrace);

    /// <summary>Failed deployments' images and releases older than the kept ones go (after their containers: Docker
    /// refuses to remove an image a container still uses).</summary>
    private void PruneImages()
    {
        var drop = _state.ImagesToDrop(KeptReleases);
        if (drop.Count == 0 || NoWorkerYet()) return;
        foreach (var worker in EveryWorker("images")) worker.Tell(new PruneImages(_state.Name, drop));
    }

    /// <summary>Lets the oldest pending deployment run when none is running.</summary>
    private void StartNext()
    {
        // A deployment made during a restart waits for it: its switch would leave the restart's containers behind.
        if (_restarting is not null || (_running is not null && !_state.Ended.ContainsKey(_running))) return;
        _running = _state.Pending.FirstOrDefault()?.Id;
        if (_running is not null) Send(_running, new StartDeployment(Formation: new Dictionary<string, int>(_state.Formation)), Self);
    }

    /// <summary>To a deployment's actor, recovering it when needed; held back while it is being passivated.</summary>
    private void Send(string deploymentId, object message, IActorRef sender)
    {
        if (_passivating.TryGetValue(DeploymentActor.NameFor(deploymentId), out var meanwhile)) meanwhile.Add((message, sender));
        else Deployment(deploymentId).Tell(message, sender);
    }

    protected override void PostStop()
    {
        _workers.Unsubscribe(Context.System, Self);
        base.PostStop();
    }

    private IActorRef Deployment(string id)
    {
        var name = DeploymentActor.NameFor(id);
        if (Context.Child(name) is { } child && !child.IsNobody()) return child;
        var d = _state.Find(id) ?? throw new InvalidOperationException($"unknown deployment {id}");
        var init = new DeploymentCreated(_state.Name, d.Id, d.Version, d.ArchivePath, new Dictionary<string, string>(d.Env), d.QueuedAt,
            d.ArchiveNode, d.By);
        return Context.Watch(Context.ActorOf(DeploymentActor.Props(init, _settings, _workers, _router), name));
    }
}
