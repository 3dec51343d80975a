using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Persistence;
using Engine.Containers;
using Engine.Workers;
using Engine.Protocol;

namespace Engine.Apps;

/// <summary>Where the app actors live, given the registry's context: the shard region on a cluster
/// (<see cref="ShardRegionHome"/>), or a <see cref="GenericChildPerEntityParent"/> the registry makes in a one-process
/// test.</summary>
public delegate IActorRef AppsHome(IActorContext registry);

/// <summary>Knows every app, creates an app on its first deploy or env change, and routes messages to app actors (sharded
/// entities on the control nodes). One app that cannot run (an unreadable journal entry, a journal write that failed)
/// never stops the others: its actor is brought back after a while by its shard, and meanwhile its messages get an
/// error at once.</summary>
public sealed class AppsRegistryActor : AnsweringPersistentActor
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(10);
    private readonly AppSettings _settings;
    private readonly IWorkers _workers;
    private readonly IActorRef _router;
    private readonly AppsHome _home;
    private IActorRef? _region;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly SortedSet<string> _apps = [];
    /// <summary>Apps that never had a deployment: nothing of theirs runs, so their actor starts only when asked.</summary>
    private readonly HashSet<string> _idle = [];
    /// <summary>The sequence number of each app's registration, for its audit.</summary>
    private readonly Dictionary<string, long> _registeredAt = [];
    /// <summary>Apps whose actor stopped, with the reason, until they say they are back.</summary>
    private readonly Dictionary<string, string> _down = [];

    public static Props Props(AppSettings settings, IWorkers workers, IActorRef router, AppsHome home) =>
        Akka.Actor.Props.Create(() => new AppsRegistryActor(settings, workers, router, home));

    /// <summary>The apps' shard region.</summary>
    public static IActorRef ShardRegionHome(IActorContext registry) =>
        ClusterSharding.Get(registry.System).ShardRegion(AppMessageExtractor.RegionName);

    /// <summary>Its persistence id, and the name of its singleton.</summary>
    public const string Id = "apps";
    public override string PersistenceId => Id;

    public AppsRegistryActor(AppSettings settings, IWorkers workers, IActorRef router, AppsHome home)
    {
        _settings = settings;
        _workers = workers;
        _router = router;
        _home = home;

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
                if (r.Idle) _idle.Add(r.App);
            }
        });
        Recover<AppDeploying>(d => _idle.Remove(d.App));
        Recover<RecoveryCompleted>(_ =>
        {
            // Only apps that may have containers, routes or deployments to restore start now; idle ones on demand.
            // Sharding restarts the apps it remembers; this starts those journaled before apps were sharded.
            foreach (var app in _apps)
                if (_idle.Contains(app)) _router.Tell(new AppKnown(app));
                else Apps.Tell(new ShardRegion.StartEntity(app));
            RemoveStrangers();
        });

        Command<IAppMessage>(m =>
        {
            if (Refuse(m.App) is { } invalid) Sender.Tell(new AppError(invalid));
            else if (_down.TryGetValue(m.App, out var down))
                Sender.Tell(new AppError($"{down}; retrying", Unavailable: true));
            else if (m is GetAuditSources { Registration: null } audit && _apps.Contains(m.App))
                Apps.Forward(_registeredAt.TryGetValue(m.App, out var at)
                    ? audit with { Registration = new JournalRange(PersistenceId, at, at) }
                    : audit);
            // An idle app has no container to reconcile: no need to start it for that.
            else if (m is ReconcileContainers && _idle.Contains(m.App)) { }
            else if (_apps.Contains(m.App) && m is CreateDeployment && _idle.Contains(m.App))
            {
                PersistFor(Sender, new AppDeploying(m.App, DateTimeOffset.UtcNow), e =>
                {
                    _idle.Remove(e.App);
                    Apps.Forward(m);
                });
            }
            else if (_apps.Contains(m.App)) Apps.Forward(m);
            else if (m is ICreatesApp)
            {
                PersistFor(Sender, new AppRegistered(m.App, DateTimeOffset.UtcNow, Idle: m is not CreateDeployment), e =>
                {
                    _apps.Add(e.App);
                    _registeredAt[e.App] = LastSequenceNr;
                    if (e.Idle) _idle.Add(e.App);
                    Apps.Forward(m);
                });
            }
            else Sender.Tell(new AppError($"app '{m.App}' not found", NotFound: true));
        });
        // An idle app's view is known without its actor: no routed version, no deployment.
        Command<ListApps>(_ => Task.WhenAll(_apps.Where(a => !_down.ContainsKey(a))
                .Select(a => _idle.Contains(a)
                    ? Task.FromResult(AppQueriesActor.IdleView(a, _settings))
                    : Apps.Ask<AppView>(new GetApp(a), AskTimeout)))
            .PipeTo(Sender, success: views => new AppList(views)));
        Command<AppUnavailable>(u =>
        {
            // The app is down from now until it says it is back: its shard restarts it after a backoff.
            _down[u.App] = u.Reason;
        });
        Command<AppRecovered>(r =>
        {
            if (_down.Remove(r.App)) _log.Info("app {0} is back", r.App);
        });
        Command<StrangersRemoved>(r =>
        {
            Context.Stop(Sender);
            if (r.Error is not null) _log.Warning("could not remove the containers of unknown apps: {0}", r.Error);
            else if (r.Count > 0) _log.Info("removed {0} container(s) of unknown apps", r.Count);
        });
    }

    /// <summary>Sharding acknowledges each StartEntity sent at recovery (its ack type is internal).</summary>
    protected override void Unhandled(object message)
    {
        if (message is not IClusterShardingSerializable) base.Unhandled(message);
    }

    // A journal write that fails stops the registry (its caller told at once); its backoff supervisor brings it back.

    /// <summary>Null when the name can be an app (and so an actor and a Docker label); else why not.</summary>
    private static string? Refuse(string app) =>
        AppName.Validate(app) ?? (ActorPath.IsValidPathElement(app) ? null : $"invalid app name '{Printable(app)}'");

    private static string Printable(string s) => System.Text.Json.JsonSerializer.Serialize(s);

    /// <summary>Where the app actors live (the shard region routes by app name), found on first use.</summary>
    private IActorRef Apps => _region ??= _home(Context);

    /// <summary>On every worker up now, once the apps are known.</summary>
    private void RemoveStrangers()
    {
        var known = _apps.ToHashSet();
        foreach (var worker in _workers.Addresses(Context.System))
            Context.ActorOf(_workers.On(worker, ContainerOperationsActor.Props())).Tell(new RemoveStrangers(known));
    }
}
