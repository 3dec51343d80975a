using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Engine.Containers;
using Engine.Hosting;

namespace Engine.Apps;

/// <summary>Knows every app, creates an app on its first deploy or env change, and routes messages to app actors.</summary>
public sealed class AppsRegistryActor : ReceivePersistentActor
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(10);
    private readonly EngineSettings _settings;
    private readonly IContainerRuntime _runtime;
    private readonly IActorRef _router;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly SortedSet<string> _apps = [];

    public static Props Props(EngineSettings settings, IContainerRuntime runtime, IActorRef router) =>
        Akka.Actor.Props.Create(() => new AppsRegistryActor(settings, runtime, router));

    public override string PersistenceId => "apps";

    public AppsRegistryActor(EngineSettings settings, IContainerRuntime runtime, IActorRef router)
    {
        _settings = settings;
        _runtime = runtime;
        _router = router;

        Recover<AppRegistered>(r => _apps.Add(r.App));
        Recover<RecoveryCompleted>(_ =>
        {
            foreach (var app in _apps) App(app);
            RemoveOrphansAsync(_apps.ToHashSet()).PipeTo(Self, failure: e => new Status.Failure(e));
        });

        Command<IAppMessage>(m =>
        {
            if (AppName.Validate(m.App) is { } invalid) Sender.Tell(new AppError(invalid));
            else if (_apps.Contains(m.App)) App(m.App).Forward(m);
            else if (m is ICreatesApp)
                Persist(new AppRegistered(m.App, DateTimeOffset.UtcNow), e =>
                {
                    _apps.Add(e.App);
                    App(e.App).Forward(m);
                });
            else Sender.Tell(new AppError($"app '{m.App}' not found", NotFound: true));
        });
        Command<ListApps>(_ => Task.WhenAll(_apps.Select(a => App(a).Ask<AppView>(new GetApp(a), AskTimeout)))
            .PipeTo(Sender, success: views => views));
        Command<Status.Failure>(f => _log.Warning("could not remove orphan containers: {0}", f.Cause.Message));
        Command<int>(n => { if (n > 0) _log.Info("removed {0} container(s) of unknown apps", n); });
    }

    private IActorRef App(string app) =>
        Context.Child(app) is { } child && !child.IsNobody() ? child : Context.ActorOf(AppActor.Props(app, _settings, _runtime, _router), app);

    private async Task<int> RemoveOrphansAsync(IReadOnlySet<string> known)
    {
        var orphans = (await _runtime.ListAsync(null, CancellationToken.None)).Where(c => !known.Contains(c.App)).ToList();
        await Task.WhenAll(orphans.Select(c => _runtime.StopAndRemoveAsync(c.Id, TimeSpan.Zero, CancellationToken.None)));
        return orphans.Count;
    }
}
