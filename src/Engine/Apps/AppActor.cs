using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Engine.Deployments;
using Engine.Runs;
using Engine.Workers;
using Engine.Protocol;

namespace Engine.Apps;

/// <summary>One app: its environment and formation, its deployment queue (one runs at a time), which version holds the
/// traffic, and how its deployments ended. Whether something may start now is <see cref="AppState"/>'s to say. Its
/// routed release is kept running by a child (<see cref="ReleaseKeeperActor"/>), its queries answered by another
/// (<see cref="AppQueriesActor"/>); its deployments are its children.</summary>
public sealed class AppActor : AppExistence
{
    private readonly AppSettings _settings;
    private readonly IWorkers _workers;
    private readonly IActorRef _router;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private AppState _state;
    private string? _running;
    private readonly DeploymentChildren _deployments;
    /// <summary>Its children that keep the routed release running and answer queries (made once it is recovered).</summary>
    private IActorRef _release = ActorRefs.Nobody, _queries = ActorRefs.Nobody;
    private Scaling? _scaling;
    private Restarting? _restarting;

    public static Props Props(string app, AppSettings settings, IWorkers workers, IActorRef router) =>
        Akka.Actor.Props.Create(() => new AppActor(app, settings, workers, router));

    private static readonly TimeSpan RollbackCheckTimeout = TimeSpan.FromSeconds(10);

    public const string PersistencePrefix = "app-";
    public override string PersistenceId => PersistencePrefix + _state.Name;
    protected override string App => _state.Name;
    protected override bool Deployed => _state.Deployments.Count > 0;

    public AppActor(string app, AppSettings settings, IWorkers workers, IActorRef router)
        : base(settings.IdleAppPassivation, settings.SnapshotEvery)
    {
        (_state, _settings, _workers, _router) = (new AppState(app), settings, workers, router);
        _deployments = new DeploymentChildren(() => _state, settings.Deployments, workers, router, _log);

        Recover<SnapshotOffer>(o => _state = AppSnapshot.Upcast(o.Snapshot).ToState(settings.Cipher.Open));
        Recover<IAppEvent>(e => _state = _state.Apply(e));

        // A repeated upload (its client lost the first answer) gets the deployment the first one made.
        Command<CreateDeployment>(c => _state.Repeated(c) is not null, c => _queries.Forward(c));
        // While it is locked, what would change the running release is refused (423).
        Command<IAppMessage>(m => _state.RefuseLocked(m) is not null, m => Sender.Tell(_state.RefuseLocked(m)));
        Command<IAppMessage>(m => m is ChangeEnv or LockApp or UnlockApp or SetMaintenance or SetChecks, Change);
        Command<CreateDeployment>(c => Queue(_state.DecideDeployment(c, DateTimeOffset.UtcNow)));
        // Which workers still hold the images is the workers' to say; the rollback is decided on their answer.
        Command<RollbackApp>(r => _release.Ask<ImagesListed>(new ListImages(_state.Name), RollbackCheckTimeout)
            .PipeTo(Self, Sender, images => new RollbackChecked(r, images), e => new RollbackChecked(r, new ImagesListed([], e.Message))));
        Command<RollbackChecked>(c =>
        {
            if (_state.DecideRollback(c.Request, c.Images, _settings.Deployments.KeepReleases, DateTimeOffset.UtcNow, out var refusal) is { } r)
                Queue(r.Queued, r.Planned);
            else Sender.Tell(refusal);
        });
        Command<ScaleApp>(s =>
        {
            if (_state.DecideScale(s, DateTimeOffset.UtcNow, _scaling is not null, out var refusal) is not { } change) Sender.Tell(refusal!);
            else if (_state.PlanScale(change) is var (keep, formation, reason)) Scale(new Scaling(Sender, change, keep, reason), formation);
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
            if (!_state.MayReplaceLost(_scaling is not null, r.Keep)) Sender.Tell(LostNotReplaced.Instance);
            else Scale(new Scaling(ActorRefs.Nobody, null, r.Keep, r.Reason), _state.ReleaseFormation(_state.Routed!));
        });
        // Restored by the release keeper: routed again while they still are the routed release's.
        Command<ContainersUp>(up => { if (_state.IsRouted(up.Containers)) _router.Tell(Route()); });
        Command<RestartApp>(r =>
        {
            if (_state.RefuseRestart(_scaling is not null || _restarting is not null) is { } refused) { Sender.Tell(refused); return; }
            _restarting = new Restarting(Sender, r.By, _state.Routed!.DeploymentId);
            Context.ActorOf(RollingRestartActor.Props(_state.RestartOrder(_settings.Deployments.Cluster.AdvertiseHost), _router, _settings.Deployments, _workers));
        });
        Command<RestartingSlot>(s => _restarting?.Slots.Add(s.Slot));
        Command<ContainersRestarted>(_ => _restarting is not null, r => PersistFor(_restarting!.ReplyTo,
            _restarting.Journaled(_state.Name, r, DateTimeOffset.UtcNow), e =>
        {
            Apply(e);
            _restarting!.ReplyTo.Tell(Restarting.Answer(r));
            _restarting = null;
            if (e.Error is not null)
            {
                _log.Error("{0}: the restart stopped: {1}", _state.Name, e.Error);
                _release.Tell(new ReconcileContainers(_state.Name)); // whatever it left stopped comes back
            }
            StartNext();
        }));
        Command<IAppMessage>(q => q is GetApp or GetDeployments or ReadDeploymentLog or WatchDeployment or GetRevivals
            or GetAuditSources or GetReleases or GetEnv or GetFormation, q => _queries.Forward(q));
        // A running deployment's view is its actor's.
        Command<GetDeployment>(g =>
        {
            if (_state.Find(g.DeploymentId) is { } d && _state.ViewOf(d) is null) _deployments.Send(Context, d.Id, GetDeploymentView.Instance, Sender);
            else _queries.Forward(g);
        });
        Command<CancelDeployment>(c =>
        {
            if (_state.RefuseCancel(c.DeploymentId) is { } refused) Sender.Tell(refused);
            else _deployments.Send(Context, c.DeploymentId, new CancelRequested(c.By), Sender);
        });
        Command<PassivateDeployment>(p =>
        {
            if (_state.Ended.ContainsKey(p.DeploymentId) && Sender.Path.Name == DeploymentActor.NameFor(p.DeploymentId))
                _deployments.Passivate(Context, Sender);
        });
        Command<PromoteDeployment>(p =>
        {
            if (_state.DecidePromote(p, DateTimeOffset.UtcNow, out var answer) is { } routed) PersistAllFor(Sender, routed, e =>
            {
                Apply(e);
                if (e != routed[^1]) return;
                _release.Tell(new KeepOnly(p.DeploymentId));
                Sender.Tell(new DeploymentPromoted(p.DeploymentId));
            });
            else
            {
                if (answer is AppError refused) _log.Warning("{0}: refusing to promote: {1}", _state.Name, refused.Error);
                Sender.Tell(answer);
            }
        });
        Command<DeploymentFinished>(f =>
        {
            if (_running == f.DeploymentId) _running = null;
            if (_state.Ended.ContainsKey(f.DeploymentId) || _state.Find(f.DeploymentId) is null) StartNext();
            else Persist(new DeploymentEnded(_state.Name, f.DeploymentId, f.Status, DateTimeOffset.UtcNow, f.FinishedAt, f.Error), e =>
            {
                Apply(e);
                _release.Tell(PruneReleaseImages.Instance);
                StartNext();
            });
        });
        // A pending deployment whose actor stopped (e.g. a failed journal write) would block the queue for good: it is
        // recovered once, which ends it as aborted; if it stops again, the app records it as ended and moves on.
        Command<Terminated>(t =>
        {
            if (_deployments.Stopped(Context, t.ActorRef.Path.Name) is not { } stopped) return;
            if (_running == stopped.Id) _running = null;
            if (_deployments.Revive(Context, stopped.Id)) StartNext();
            else Persist(_state.AbortedTwice(stopped.Id, DateTimeOffset.UtcNow), e => { Apply(e); StartNext(); });
        });
        Command<ReconcileContainers>(r => _release.Forward(r));
        // Supervision after success is the release keeper's; a restart's own exits are not its to revive.
        Command<ContainerExited>(x => { if (_restarting?.Owns(x) != true) _release.Forward(x); });
        // Of the routed release only: a late word about an old one changes nothing.
        Command<ContainerRevived>(r => { if (_state.Routed?.DeploymentId == r.Spec.DeploymentId) Persist(_state.Revived(r, DateTimeOffset.UtcNow), Apply); });
        Command<ContainerUnhealthy>(u => { if (_state.Routed?.DeploymentId == u.DeploymentId) Persist(u, Apply); });
        Command<IAppMessage>(l => l is ListContainers or ListImages, l => _release.Forward(l));
        Command<IRunMessage>(m => RunsActor.ChildOf(Context, _state.Name, _workers).Tell(new RunsActor.Requested(m, _state.RunRelease()), Sender));
    }

    /// <summary>A new deployment (and its rollback), answered from the app's record, not its actor's recovery.</summary>
    private void Queue(DeploymentQueued queued, RollbackPlanned? rollback = null)
    {
        var asking = Sender;
        PersistAllFor<IAppEvent>(asking, rollback is null ? [queued] : [queued, rollback], e =>
        {
            Apply(e);
            if (e != (rollback ?? (IAppEvent)queued)) return;
            SetReceiveTimeout(null);
            _deployments.Get(Context, queued.DeploymentId);
            asking.Tell(_state.QueuedView(_state.Find(queued.DeploymentId)!));
            StartNext();
        });
    }

    /// <summary>The new state, also to its children that read it (and to a snapshot when one is due).</summary>
    private void Apply(IAppEvent e)
    {
        _state = _state.Apply(e);
        SnapshotIfDue(() => AppSnapshot.Of(_state, _settings.Cipher.Seal));
        _release.Tell(new AppStateChanged(_state, LastSequenceNr));
        _queries.Tell(new AppStateChanged(_state, LastSequenceNr));
    }

    /// <summary>An env, lock, maintenance or checks change, as the state decides it: journaled when it changes something, then
    /// answered (an env change with the env, the others with the app's view); maintenance also goes to every router.</summary>
    private void Change(IAppMessage change)
    {
        var e = _state.DecideChange(change, DateTimeOffset.UtcNow, out var refusal);
        void Answer() { if (change is ChangeEnv) Sender.Tell(_state.EnvView); else _queries.Forward(new GetApp(_state.Name)); }
        if (refusal is not null) Sender.Tell(refusal);
        else if (e is null) Answer();
        else PersistFor(Sender, e, _ =>
        {
            Apply(e);
            if (e is MaintenanceChanged) _router.Tell(new AppMaintenance(_state.Name, _state.Maintenance));
            Answer();
        });
    }

    protected override void OnExisting()
    {
        _router.Tell(new AppKnown(_state.Name));
        _router.Tell(new AppMaintenance(_state.Name, _state.Maintenance));
        _release = Context.ActorOf(ReleaseKeeperActor.Props(_state, _settings.Deployments, _workers, _router), "release");
        _queries = Context.ActorOf(AppQueriesActor.Props(new AppStateChanged(_state, LastSequenceNr), _settings), "queries");
        RunsActor.ChildOf(Context, _state.Name, _workers); // re-attaches to its detached runs after a failover
        StartNext();
    }

    private void Scale(Scaling scaling, IReadOnlyList<(string Type, int Count)> formation)
    {
        _scaling = scaling;
        if (formation.All(f => scaling.Keep.Count(k => k.Type == f.Type) >= f.Count)) CommitScale(scaling, []);
        else Context.ActorOf(ScaleActor.Props(_state.Routed!, formation, scaling.Keep, _settings.Deployments, _workers));
    }

    /// <summary>Journals the new formation and containers, then routes them: added ones are up already; removed ones
    /// leave the route first, and go once it has drained (RouteDrained, to the release keeper).</summary>
    private void CommitScale(Scaling scaling, IReadOnlyList<ContainerSpec> added)
    {
        IAppEvent scaled = _state.Scaled(scaling.Keep, added, scaling.Reason, DateTimeOffset.UtcNow);
        PersistAll<IAppEvent>(scaling.Change is { } change ? [change, scaled] : [scaled], e =>
        {
            Apply(e);
            if (e is not ReleaseScaled) return;
            _log.Info("{0}: {1}", _state.Name, scaling.Reason);
            _router.Tell(Route(_release)); // whose containers the route no longer holds go once it drained
            scaling.ReplyTo.Tell(_state.FormationView);
            _scaling = null;
        });
    }

    private SwitchRoute Route(IActorRef? replyTo = null) => AppRoutes.RouteFor(_state.Name, _state.Routed!, _settings.Deployments.Cluster.AdvertiseHost, replyTo);

    /// <summary>Lets the oldest pending deployment run when its turn has come.</summary>
    private void StartNext()
    {
        if (_state.NextToStart(_running, _restarting is not null) is not { } next) return;
        _running = next.Id;
        _deployments.Send(Context, next.Id, new StartDeployment(Formation: new Dictionary<string, int>(_state.Formation), Checks: _state.Checks), Self);
    }
}
