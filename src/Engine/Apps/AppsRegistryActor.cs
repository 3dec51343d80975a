using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Persistence;
using Engine.Containers;
using Engine.Hosting;
using Engine.Routing;
using Engine.Workers;

namespace Engine.Apps;

/// <summary>Knows every app, creates an app on its first deploy or env change, and routes messages to app actors: sharded
/// entities on the control nodes, or (given a runtime, in tests) its own children. One app that cannot run (an
/// unreadable journal entry, a journal write that failed) never stops the others: its actor is brought back after a
/// while (by its shard, or here with backoff), and meanwhile its messages get an error at once.</summary>
public sealed class AppsRegistryActor : ReceivePersistentActor, IWithTimers
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan MinRevive = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxRevive = TimeSpan.FromSeconds(30);
    private readonly EngineSettings _settings;
    private readonly IContainerRuntime? _runtime;
    private readonly IActorRef _router;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly SortedSet<string> _apps = [];
    /// <summary>Apps that never had a deployment: nothing of theirs runs, so their actor starts only when asked.</summary>
    private readonly HashSet<string> _idle = [];
    /// <summary>The sequence number of each app's registration, for its audit.</summary>
    private readonly Dictionary<string, long> _registeredAt = [];
    /// <summary>Apps whose actor stopped, with the reason and how often in a row; revived by a timer.</summary>
    private readonly Dictionary<string, (string Reason, int Attempts, DateTime At)> _down = [];
    private readonly Dictionary<string, (string Reason, int Attempts, DateTime At)> _revived = [];
    private readonly Dictionary<string, string> _reasons = [];
    private IActorRef _awaitingJournal = ActorRefs.Nobody;

    /// <summary>Given no runtime, the apps are sharded entities and their Docker work runs on worker nodes.</summary>
    public static Props Props(EngineSettings settings, IContainerRuntime? runtime, IActorRef router) =>
        Akka.Actor.Props.Create(() => new AppsRegistryActor(settings, runtime, router));

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>Its persistence id, and the name of its singleton.</summary>
    public const string Id = "apps";
    public override string PersistenceId => Id;

    public AppsRegistryActor(EngineSettings settings, IContainerRuntime? runtime, IActorRef router)
    {
        _settings = settings;
        _runtime = runtime;
        _router = router;

        Recover<AppRegistered>(r =>
        {
            // A name that can never be an actor (journaled before names were checked strictly) would crash-loop the
            // registry and take every app down: skip it, loudly.
            if (Refuse(r.App) is { } invalid)
                _log.Error("skipping app {0} found in the journal (event {1}): {2}", Printable(r.App), LastSequenceNr, invalid);
            else
            {
                _apps.Add(r.App);
                _registeredAt[r.App] = LastSequenceNr;
                if (r.Idle == true) _idle.Add(r.App);
            }
        });
        Recover<AppDeploying>(d => _idle.Remove(d.App));
        Recover<RecoveryCompleted>(_ =>
        {
            // Only apps that may have containers, routes or deployments to restore start now; idle ones on demand.
            // Sharding restarts the apps it remembers; this starts those journaled before apps were sharded.
            foreach (var app in _apps)
                if (_idle.Contains(app)) _router.Tell(new AppKnown(app));
                else if (Sharded) App(app).Tell(new ShardRegion.StartEntity(app));
                else App(app);
            RemoveStrangers();
        });

        Command<IAppMessage>(m =>
        {
            if (Refuse(m.App) is { } invalid) Sender.Tell(new AppError(invalid));
            else if (_down.TryGetValue(m.App, out var down))
                Sender.Tell(new AppError($"{down.Reason}; retrying", Unavailable: true));
            else if (m is GetAuditSources { Registration: null } audit && _apps.Contains(m.App))
                App(m.App).Forward(_registeredAt.TryGetValue(m.App, out var at)
                    ? audit with { Registration = new JournalRange(PersistenceId, at, at) }
                    : audit);
            // An idle app has no container to reconcile: no need to start it for that.
            else if (m is ReconcileContainers && _idle.Contains(m.App)) { }
            else if (_apps.Contains(m.App) && m is CreateDeployment && _idle.Contains(m.App))
            {
                _awaitingJournal = Sender;
                Persist(new AppDeploying(m.App, DateTimeOffset.UtcNow), e =>
                {
                    _awaitingJournal = ActorRefs.Nobody;
                    _idle.Remove(e.App);
                    App(e.App).Forward(m);
                });
            }
            else if (_apps.Contains(m.App)) App(m.App).Forward(m);
            else if (m is ICreatesApp)
            {
                _awaitingJournal = Sender;
                Persist(new AppRegistered(m.App, DateTimeOffset.UtcNow, Idle: m is not CreateDeployment), e =>
                {
                    _awaitingJournal = ActorRefs.Nobody;
                    _apps.Add(e.App);
                    _registeredAt[e.App] = LastSequenceNr;
                    if (e.Idle == true) _idle.Add(e.App);
                    App(e.App).Forward(m);
                });
            }
            else Sender.Tell(new AppError($"app '{m.App}' not found", NotFound: true));
        });
        // An idle app's view is known without its actor: no routed version, no deployment.
        Command<ListApps>(_ => Task.WhenAll(_apps.Where(a => !_down.ContainsKey(a))
                .Select(a => _idle.Contains(a)
                    ? Task.FromResult(AppActor.IdleView(a, _settings))
                    : App(a).Ask<AppView>(new GetApp(a), AskTimeout)))
            .PipeTo(Sender, success: views => new AppList(views)));
        Command<AppUnavailable>(u =>
        {
            // A sharded app is down from now until it says it is back: its shard restarts it after a backoff.
            if (Sharded) _down[u.App] = (u.Reason, 0, DateTime.UtcNow);
            else if (_down.TryGetValue(u.App, out var down)) _down[u.App] = down with { Reason = u.Reason };
            else _reasons[u.App] = u.Reason;
        });
        Command<AppRecovered>(r =>
        {
            if (Sharded && _down.Remove(r.App)) _log.Info("app {0} is back", r.App);
        });
        Command<Terminated>(t => OnAppStopped(t.ActorRef.Path.Name));
        Command<ReviveApp>(r =>
        {
            if (!_down.Remove(r.App, out var was)) return;
            _revived[r.App] = was;
            _log.Info("bringing app {0} back", r.App);
            App(r.App);
        });
        Command<StrangersRemoved>(r =>
        {
            Context.Stop(Sender);
            if (r.Error is not null) _log.Warning("could not remove the containers of unknown apps: {0}", r.Error);
            else if (r.Count > 0) _log.Info("removed {0} container(s) of unknown apps", r.Count);
        });
    }

    /// <summary>An app actor stopped (a failed journal write, an unreadable entry): answer for it, bring it back later.
    /// The router keeps its route, so the app keeps serving meanwhile.</summary>
    private void OnAppStopped(string app)
    {
        if (!_apps.Contains(app)) return;
        var now = DateTime.UtcNow;
        // Attempts count up only while it keeps stopping soon after being brought back.
        var attempts = _revived.Remove(app, out var last) && now - last.At < MaxRevive * 2 ? last.Attempts + 1 : 0;
        var reason = _reasons.Remove(app, out var r) ? r : $"app '{app}' stopped (a journal write failed)";
        var delay = TimeSpan.FromTicks(Math.Min(MaxRevive.Ticks, MinRevive.Ticks << Math.Min(attempts, 10)));
        _log.Error("{0}; bringing it back in {1:0.#} s", reason, delay.TotalSeconds);
        _down[app] = (reason, attempts, now);
        Timers.StartSingleTimer(app, new ReviveApp(app), delay);
    }

    private sealed record ReviveApp(string App);

    /// <summary>Sharding acknowledges each StartEntity sent at recovery (its ack type is internal).</summary>
    protected override void Unhandled(object message)
    {
        if (message is not IClusterShardingSerializable) base.Unhandled(message);
    }

    /// <summary>Akka stops the registry after this; its backoff supervisor brings it back.</summary>
    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        _awaitingJournal.Tell(AppError.JournalUnwritable(cause));
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        _awaitingJournal.Tell(AppError.JournalUnwritable(cause));
        _awaitingJournal = ActorRefs.Nobody;
        base.OnPersistRejected(cause, @event, sequenceNr);
    }

    /// <summary>Null when the name can be an app (and so an actor and a Docker label); else why not.</summary>
    private static string? Refuse(string app) =>
        AppName.Validate(app) ?? (ActorPath.IsValidPathElement(app) ? null : $"invalid app name '{Printable(app)}'");

    private static string Printable(string s) => System.Text.Json.JsonSerializer.Serialize(s);

    private bool Sharded => _runtime is null;

    /// <summary>The shard region, which routes by app name; else the app's child actor, started when needed.</summary>
    private IActorRef App(string app) =>
        Sharded ? ClusterSharding.Get(Context.System).ShardRegion(AppMessageExtractor.RegionName)
        : Context.Child(app) is { } child && !child.IsNobody() ? child
        : Context.Watch(Context.ActorOf(AppActor.Props(app, _settings, _runtime, _router), app));

    /// <summary>On every worker up now (given a runtime, here), once the apps are known.</summary>
    private void RemoveStrangers()
    {
        var known = _apps.ToHashSet();
        IEnumerable<Props> where = _runtime is not null
            ? [ContainerSupervisorActor.Props(_runtime)]
            : WorkerPlacement.Up(Context.System).Select(w => WorkerPlacement.On(w, ContainerSupervisorActor.Props(null)));
        foreach (var props in where) Context.ActorOf(props).Tell(new RemoveStrangers(known));
    }
}
