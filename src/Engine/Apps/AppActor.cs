using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Persistence;
using Engine.Containers;
using Engine.Deployments;
using Engine.Hosting;
using Engine.Routing;
using Engine.Workers;

namespace Engine.Apps;

/// <summary>One app: its environment and formation, its deployment queue (one runs at a time), which version holds the
/// traffic, and how its deployments ended. Whether something may start now is <see cref="AppState"/>'s to say. Its
/// routed release is kept running by a child (<see cref="ReleaseKeeperActor"/>); its deployments are its children.</summary>
public sealed class AppActor : ReceivePersistentActor
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(10);
    private readonly EngineSettings _settings;
    private readonly IWorkers _workers;
    private readonly IActorRef _router;
    /// <summary>The registry, told when this app stops and when it is back.</summary>
    private readonly IActorRef _directory;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private AppState _state;
    private string? _running;
    /// <summary>Who waits for the event being persisted: told at once when the journal cannot take it.</summary>
    private IActorRef _awaitingJournal = ActorRefs.Nobody;
    private readonly DeploymentChildren _deployments;
    /// <summary>Keeps the routed release running (made once the app is recovered).</summary>
    private IActorRef _release = ActorRefs.Nobody;
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

    public static Props Props(string app, EngineSettings settings, IWorkers workers, IActorRef router, IActorRef directory) =>
        Akka.Actor.Props.Create(() => new AppActor(app, settings, workers, router, directory));

    public const string PersistencePrefix = "app-";
    public override string PersistenceId => PersistencePrefix + _state.Name;

    public AppActor(string app, EngineSettings settings, IWorkers workers, IActorRef router, IActorRef directory)
    {
        _state = new AppState(app);
        _settings = settings;
        _workers = workers;
        _router = router;
        _directory = directory;
        _deployments = new DeploymentChildren(() => _state, settings, workers, router);

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
            Apply(e);
            SetReceiveTimeout(null);
            // Answered from the app's record: the upload's answer waits on no other actor's recovery.
            _deployments.Get(Context, e.DeploymentId);
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
                PersistFor(Sender, e, _ => { Apply(e); Sender.Tell(_state.EnvView); });
            else Sender.Tell(new AppError(error!));
        });
        Command<GetEnv>(_ => Sender.Tell(_state.EnvView));
        Command<GetFormation>(_ => Sender.Tell(_state.FormationView));
        Command<ScaleApp>(s =>
        {
            if (_state.DecideScale(s, DateTimeOffset.UtcNow, _scaling is not null, out var refusal) is not { } change) Sender.Tell(refusal!);
            else
            {
                var routed = _state.Routed!; // DecideScale refuses before the first release
                var formation = _state.Apply(change).ReleaseFormation(routed);
                Scale(new Scaling(Sender, change, routed.Containers.Where(c => formation.Any(f => f.Type == c.Type && c.Index <= f.Count)).ToList(),
                    $"scaled to {string.Join(" ", formation.Select(f => $"{f.Type}={f.Count}"))}"), formation);
            }
        });
        Command<ContainersAdded>(a => _scaling is not null, a => CommitScale(_scaling!, a.Containers));
        Command<ScaleFailed>(f => _scaling is not null, f =>
        {
            _log.Error("{0}: {1} failed: {2}", _state.Name, _scaling!.Reason, f.Error);
            _scaling.ReplyTo.Tell(new AppError(f.Error));
            if (_scaling.Change is null) _release.Tell(LostNotReplaced.Instance);
            _scaling = null;
        });
        Command<ReplaceLostContainers>(r =>
        {
            if (_state.Routed is not { } routed) return;
            if (!_state.MayReplaceLost(_scaling is not null)) Sender.Tell(LostNotReplaced.Instance);
            else Scale(new Scaling(ActorRefs.Nobody, null, r.Keep, r.Reason), _state.ReleaseFormation(routed));
        });
        Command<RestartApp>(r =>
        {
            if (_state.RefuseRestart(_scaling is not null || _restarting is not null) is { } refused) Sender.Tell(refused);
            else
            {
                var routed = _state.Routed!;
                _restarting = new Restarting(Sender, r.By, routed.DeploymentId);
                Context.ActorOf(RestartActor.Props(routed.Containers.OrderBy(c => c.Type != Procfile.Web).ThenBy(c => c.Type, StringComparer.Ordinal)
                    .ThenBy(c => c.Index).Select(c => (c with { Worker = routed.WorkerOf(c) },
                        c.Port is null ? null : AppRoutes.Endpoint(routed, c, _settings.Cluster.AdvertiseHost))).ToList(),
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
                    _release.Tell(new ReconcileContainers(_state.Name));
                }
                StartNext();
            });
        });
        Command<RouteSwitched>(_ => { });
        Command<RouteDrained>(d => _release.Forward(d));
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
            else _deployments.Send(Context, g.DeploymentId, GetDeploymentView.Instance, Sender);
        });
        // A deployment's log is a file on this node: any node's admin API reads it, and waits on it, through here.
        Command<ReadDeploymentLog>(r => DeploymentLogs.Read(_state, _settings, r, Sender));
        Command<WatchDeployment>(w => DeploymentLogs.Watch(_state, _settings, w, Sender, Context.System));
        Command<CancelDeployment>(c =>
        {
            if (_state.RefuseCancel(c.DeploymentId) is { } refused) Sender.Tell(refused);
            else _deployments.Send(Context, c.DeploymentId, new CancelRequested(c.By), Sender);
        });
        Command<PassivateDeployment>(p =>
        {
            if (_state.Ended.ContainsKey(p.DeploymentId)) _deployments.Passivate(Context, p.DeploymentId, Sender);
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
                Apply(e);
                _release.Tell(new KeepOnly(e.DeploymentId));
                Sender.Tell(new DeploymentPromoted(p.DeploymentId));
            });
        });
        Command<DeploymentFinished>(f =>
        {
            if (_running == f.DeploymentId) _running = null;
            if (_state.Ended.ContainsKey(f.DeploymentId) || _state.Find(f.DeploymentId) is null) StartNext();
            else Persist(new DeploymentEnded(_state.Name, f.DeploymentId, f.Status, DateTimeOffset.UtcNow, f.Error, f.FinishedAt), e =>
            {
                Apply(e);
                _release.Tell(PruneReleaseImages.Instance);
                StartNext();
            });
        });
        Command<Terminated>(t => OnDeploymentStopped(t.ActorRef.Path.Name));
        Command<ReconcileContainers>(r => _release.Forward(r));
        // Supervision after success is the release keeper's; a restart's own exits are not its to revive.
        Command<ContainerExited>(x =>
        {
            if (_restarting is not { } restarting || restarting.DeploymentId != x.DeploymentId || !restarting.Slots.Contains(x.Slot))
                _release.Forward(x);
        });
        Command<ContainerRevived>(r =>
        {
            if (_state.Routed?.DeploymentId != r.Spec.DeploymentId) return;
            Persist(new ContainerRestarted(_state.Name, r.Spec.DeploymentId, r.Spec.Slot, r.ExitCode, DateTimeOffset.UtcNow), Apply);
        });
        // Plain collections in answers that may cross nodes: Newtonsoft cannot rebuild immutable dictionaries.
        Command<GetContainerRestarts>(_ => Sender.Tell(new ContainerRestartsView(new Dictionary<string, SlotRestarts>(_state.Restarts))));
        Command<ListContainers>(l => _release.Forward(l));
        // A List, for the same reason: nor can it rebuild the compiler's collection-expression types.
        Command<GetAuditSources>(g => Sender.Tell(new AuditSources(_state.Name, (List<JournalRange>)
        [
            .. g.Registration is { } registered ? [registered] : Array.Empty<JournalRange>(),
            new JournalRange(PersistenceId, 1, LastSequenceNr),
            .. _state.Deployments.Select(d => new JournalRange(DeploymentActor.NameFor(d.Id), 1, long.MaxValue)),
        ])));
    }

    /// <summary>The new state, also to the release keeper.</summary>
    private void Apply(IAppEvent e)
    {
        _state = _state.Apply(e);
        _release.Tell(new AppStateChanged(_state));
    }

    /// <summary>A pending deployment whose actor stopped (e.g. a failed journal write) would block the queue for good:
    /// recover it once, which ends it as aborted; if it stops again, the app records it as ended and moves on.</summary>
    private void OnDeploymentStopped(string childName)
    {
        if (_deployments.Stopped(Context, childName) is not { } stopped) return;
        if (_running == stopped.Id) _running = null;
        if (_deployments.Revive(Context, stopped.Id))
        {
            _log.Warning("{0}: deployment {1} stopped unexpectedly; recovering it", _state.Name, stopped.Id);
            StartNext();
        }
        else Persist(new DeploymentEnded(_state.Name, stopped.Id, DeploymentStatus.Aborted, DateTimeOffset.UtcNow,
            "the deployment stopped unexpectedly twice", DateTimeOffset.UtcNow), e =>
        {
            _log.Error("{0}: deployment {1} stopped again; recorded as aborted", _state.Name, stopped.Id);
            Apply(e);
            StartNext();
        });
    }

    private void PersistFor<TEvent>(IActorRef waiting, TEvent e, Action<TEvent> then)
    {
        _awaitingJournal = waiting;
        Persist(e, x => { _awaitingJournal = ActorRefs.Nobody; then(x); });
    }

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

    private void OnRecovered()
    {
        _directory.Tell(new AppRecovered(_state.Name));
        if (_state.Deployments.Count == 0) SetReceiveTimeout(_settings.IdleAppPassivation);
        _router.Tell(new AppKnown(_state.Name));
        _release = Context.ActorOf(ReleaseKeeperActor.Props(_state, _settings, _workers, _router), "release");
        StartNext();
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
            Apply(e);
            if (e is not ReleaseScaled) return;
            _log.Info("{0}: {1}", _state.Name, scaling.Reason);
            _router.Tell(AppRoutes.RouteFor(_state.Name, _state.Routed!, _settings.Cluster.AdvertiseHost, Self));
            scaling.ReplyTo.Tell(_state.FormationView);
            _scaling = null;
        });
    }

    /// <summary>Lets the oldest pending deployment run when its turn has come.</summary>
    private void StartNext()
    {
        if (_state.NextToStart(_running, _restarting is not null) is not { } next) return;
        _running = next.Id;
        _deployments.Send(Context, next.Id, new StartDeployment(Formation: new Dictionary<string, int>(_state.Formation)), Self);
    }
}
