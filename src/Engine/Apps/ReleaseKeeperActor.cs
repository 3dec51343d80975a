using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using Engine.Containers;
using Engine.Deployments;
using Engine.Workers;
using Engine.Cluster;
using Engine.Protocol;
using ClusterSettings = Engine.Cluster.ClusterSettings;

namespace Engine.Apps;

/// <summary>Keeps an app's routed release running, a child of the app: restores its containers and route after a restart
/// and removes every container that belongs to no routed or pending deployment; starts the containers of a worker that
/// left on the others (through the app, which journals it); revives containers that exit (a keeper on each worker), and
/// has their health watched (<see cref="HealthGuardActor"/>, a child); prunes old images; lists the app's containers. Its
/// Docker work runs on the workers of the routed release.</summary>
public sealed class ReleaseKeeperActor : ReceiveActor, IWithTimers
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan RestoreRetryDelay = TimeSpan.FromSeconds(5);
    private const int MaxRestoreAttempts = 5;
    private static readonly TimeSpan ReplaceRetryDelay = TimeSpan.FromSeconds(5);
    /// <summary>How long the containers of a worker that left wait for it to come back under its name (a restart keeps
    /// them running) before they start on the other workers. Its web containers stay routed meanwhile as long as they
    /// answer.</summary>
    public static readonly TimeSpan LostWorkerGrace = TimeSpan.FromSeconds(10);
    /// <summary>The keeper runs on the container's worker, with that node's Docker and settings.</summary>
    private const string KeeperRole = "keeper";
    private readonly DeploymentSettings _settings;
    private readonly IWorkers _workers;
    private readonly IActorRef _router;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private AppState _state;
    private int _restoreAttempts;
    /// <summary>The children doing Docker work, by role and worker.</summary>
    private readonly WorkerChildren _children;
    /// <summary>Recovered while no worker node was up: the containers are restored once one is.</summary>
    private bool _awaitingWorker;
    private IActorRef _health = ActorRefs.Nobody;

    public ITimerScheduler Timers { get; set; } = null!;

    /// <param name="Worker">The worker whose removal from the cluster brought it on (null: a check at recovery).</param>
    private sealed record ReplaceLost(string? Worker = null)
    {
        public static readonly ReplaceLost Instance = new();
    }

    private sealed record WorkerCameUp(int Tries);

    private sealed record RetryRestore;

    public static Props Props(AppState state, DeploymentSettings settings, IWorkers workers, IActorRef router) =>
        Akka.Actor.Props.Create(() => new ReleaseKeeperActor(state, settings, workers, router));

    public ReleaseKeeperActor(AppState state, DeploymentSettings settings, IWorkers workers, IActorRef router)
    {
        _state = state;
        _settings = settings;
        _workers = workers;
        _router = router;
        _children = new WorkerChildren(workers);

        Receive<AppStateChanged>(c => { _state = c.State; _health.Tell(c); });
        Receive<HealthGuardActor.ToKeeper>(t => Keeper(t.Spec).Tell(t.Message, Sender));
        Receive<PruneReleaseImages>(_ => PruneImages());
        Receive<ReconcileContainers>(_ => Reconcile());
        Receive<KeepOnly>(k =>
        {
            foreach (var keeper in Context.GetChildren().Where(c => c.Path.Name.StartsWith(KeeperRole + "-", StringComparison.Ordinal)))
                keeper.Tell(k);
        });
        // A scale's route no longer holds the containers it removed, and no request is in flight to them: they go.
        Receive<RouteDrained>(d => { if (_state.Routed?.DeploymentId == d.DeploymentId) RemoveOffRelease(_settings.StopGrace); });
        Receive<ReplaceLost>(r =>
        {
            if (_state.Routed is not { } routed) return;
            if (LostContainers(routed) is not { Count: > 0 } lost)
            {
                if (r.Worker is { } back && routed.Containers.Any(c => c.Worker == back))
                    _log.Info("{0}: worker {1} is back: its containers stay there", _state.Name, back);
                return;
            }
            Context.Parent.Tell(new ReplaceLostContainers(routed.Containers.Except(lost).ToList(),
                $"started {string.Join(", ", lost.Select(c => c.Slot))} again off lost worker(s) "
                + string.Join(", ", lost.Select(routed.WorkerOf).Distinct())));
        });
        Receive<LostNotReplaced>(_ => Timers.StartSingleTimer("replace-retry", ReplaceLost.Instance, ReplaceRetryDelay));
        // A worker that cannot be reached keeps its web containers in the route: an engine frozen or cut off may leave
        // them serving, and the routers take out those that stop answering (FailuresInARowPolicy). Once the cluster
        // removed it, they start on the other workers.
        Receive<ClusterEvent.MemberRemoved>(r =>
        {
            if (r.Member.HasRole(ClusterSettings.Worker)) ReplaceLostLater(WorkerMembers.NameOf(r.Member));
        });
        Receive<ClusterEvent.MemberUp>(up =>
        {
            if (!up.Member.HasRole(ClusterSettings.Worker)) return;
            if (_awaitingWorker) Self.Tell(new WorkerCameUp(0));
            // A worker back under its name (a restart; Docker kept its containers): they are found by their labels and
            // routed again. Cluster.State may not show it up yet: a moment later.
            else if (_state.Routed is { } routed && routed.Containers.Any(c => c.Worker == WorkerMembers.NameOf(up.Member)))
            {
                _log.Info("{0}: worker {1} is up: its containers are found by their labels", _state.Name, WorkerMembers.NameOf(up.Member));
                Timers.StartSingleTimer("restore-retry", new RetryRestore(), TimeSpan.FromSeconds(2));
            }
        });
        // Subscribed at start: a worker already up then is in this snapshot, not in a MemberUp.
        Receive<ClusterEvent.CurrentClusterState>(s =>
        {
            if (_awaitingWorker && s.Members.Any(m => m.Status == MemberStatus.Up && m.HasRole(ClusterSettings.Worker)))
                Self.Tell(new WorkerCameUp(0));
        });
        // Cluster.State, which placement reads, follows the events a moment later: until it shows the worker, a few
        // short retries.
        Receive<WorkerCameUp>(w =>
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
        // Replies from the restore supervisor: the app routes them if they still are its routed release's.
        Receive<ContainersUp>(up => Context.Parent.Tell(up));
        Receive<ContainersFailed>(f =>
        {
            _log.Error("{0}: could not restore the routed version: {1}", _state.Name, f.Error);
            if (_state.Routed is not null && ++_restoreAttempts < MaxRestoreAttempts)
                Timers.StartSingleTimer("restore-retry", new RetryRestore(), RestoreRetryDelay);
        });
        Receive<RetryRestore>(_ => Restore());
        Receive<object>(m => m is RouteSwitched or ContainersRemoved or Terminated, _ => { });
        Receive<DeploymentLogLine>(l => _log.Info("{0} restore: {1}", _state.Name, l.Text));
        Receive<ImagesPruned>(p =>
        {
            if (p.Failed.Count > 0) _log.Warning("{0}: {1} image(s) not removed yet: {2}", p.App, p.Failed.Count, string.Join("; ", p.Failed));
        });
        // Supervision after success: only the routed version's containers are kept up.
        Receive<ContainerExited>(x =>
        {
            if (_state.Routed is { } routed && routed.DeploymentId == x.DeploymentId
                && routed.Containers.FirstOrDefault(c => c.Slot == x.Slot) is { } spec)
                Keeper(spec).Tell(new ReviveContainer(spec, x.ContainerId, x.ExitCode));
        });
        Receive<ContainerRevived>(r => { Context.Parent.Tell(r); _health.Tell(r); });
        Receive<ListContainers>(l => AskEveryWorker(l, ContainerLists.OnAll, error => new ContainersListed([], error)));
        Receive<ListImages>(l => AskEveryWorker(l, ContainerLists.ImagesOnAll, error => new ImagesListed([], error)));
    }

    protected override void PreStart()
    {
        _workers.Subscribe(Context.System, Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot,
            typeof(ClusterEvent.MemberUp), typeof(ClusterEvent.MemberRemoved));
        _health = Context.ActorOf(HealthGuardActor.Props(_state, _settings, _router, Context.Parent), "health");
        // Containers only ever come from a deployment: an app without any has none to restore or remove.
        if (_state.Deployments.Count > 0) Reconcile();
        PruneImages();
    }

    protected override void PostStop() => _workers.Unsubscribe(Context.System, Self);

    /// <summary>The keeper on the container's worker.</summary>
    private IActorRef Keeper(ContainerSpec spec) => OnWorker(KeeperRole, spec, () => ContainerKeeperActor.Props(_router, _settings.StartTimeout));

    /// <summary>The question to every up worker's Docker engine, the answers as one to the sender.</summary>
    private void AskEveryWorker(object question, Func<IReadOnlyList<(IActorRef Target, object? Reply)>, object> combine,
        Func<string, object> none)
    {
        if (_workers.Up(Context.System).Count == 0) Sender.Tell(none("no worker node is up to ask its Docker engine"));
        else Context.ActorOf(FanOutActor.Props(EveryWorker("docker"), question, combine, Sender, AskTimeout));
    }

    /// <summary>This kind of child on every up worker.</summary>
    private IReadOnlyList<IActorRef> EveryWorker(string role) => _workers.Addresses(Context.System)
        .Select(w => _children.Get(Context, role, w, () => ContainerOperationsActor.Props())).ToList();

    /// <summary>True while no worker node is up (after a whole-cluster restart the control nodes may come first); the
    /// first one to come up brings the reconciliation on.</summary>
    private bool NoWorkerYet()
    {
        if (_workers.Up(Context.System).Count > 0) return false;
        _awaitingWorker = true;
        return true;
    }

    /// <summary>The child doing this kind of Docker work on the worker of <paramref name="spec"/> (its release's when the spec
    /// names none) while it is up, else on the first up worker.</summary>
    private IActorRef OnWorker(string role, ContainerSpec? spec, Func<Props> props) => _children.Get(Context, role,
        _workers.Pick(Context.System, spec?.Worker ?? _state.Routed?.Worker), props);

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
            OnWorker("restore", group.First(), () => ContainerOperationsActor.Props())
                .Tell(new StartContainers(group.ToList(), _settings.StartTimeout, ReuseRunning: true));
    }

    /// <summary>Containers of the routed release placed on a worker that is not up (a spec that names no worker
    /// is never lost: it goes wherever a worker is).</summary>
    private IReadOnlyList<ContainerSpec> LostContainers(RoutedRelease routed) =>
        routed.Containers.Where(c => c.Worker is { } w && _workers.Find(Context.System, w) is null).ToList();

    /// <summary>On each worker, the routed release's containers that are not its own there any more (scaled away, or
    /// started elsewhere while it was gone).</summary>
    private void RemoveOffRelease(TimeSpan grace)
    {
        if (_state.Routed is not { } routed) return;
        foreach (var worker in _workers.Up(Context.System))
            _children.Get(Context, "restore", worker.Address, () => ContainerOperationsActor.Props())
                .Tell(RemoveContainers.OfDeploymentBut(_state.Name, routed.DeploymentId, routed.Containers
                    .Where(c => routed.WorkerOf(c) is not { } w || w == worker.Name || w == worker.Address.ToString())
                    .Select(c => c.Slot), grace));
    }

    private void ReplaceLostLater(string? worker = null) =>
        Timers.StartSingleTimer("lost-" + worker, new ReplaceLost(worker), LostWorkerGrace);

    /// <summary>Failed deployments' images and releases older than the kept ones go (after their containers: Docker
    /// refuses to remove an image a container still uses).</summary>
    private void PruneImages()
    {
        var drop = _state.ImagesToDrop(_settings.KeepReleases);
        if (drop.Count == 0 || NoWorkerYet()) return;
        foreach (var worker in EveryWorker("images")) worker.Tell(new PruneImages(_state.Name, drop));
    }
}
