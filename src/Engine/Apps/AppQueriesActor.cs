using Akka.Actor;
using Engine.Deployments;
using Engine.Protocol;
using Engine.Runs;
using Engine.Workers;

namespace Engine.Apps;

/// <summary>Answers an app's queries from its record, a child of the app (which tells it each change, and forwards it the
/// queries): the app's view, its deployments' (a running one's from its actor, through the app), its containers'
/// restarts, and (through this node's <see cref="DeploymentLogsActor"/>) its deployments' logs.</summary>
public sealed class AppQueriesActor : ReceiveActor
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(10);
    private AppState _state;
    /// <summary>Of the app's journal.</summary>
    private long _sequenceNr;

    /// <summary>The view of an app that never had a deployment.</summary>
    public static AppView IdleView(string app, AppSettings settings) => new(app, null, null, 0, settings.AppUrl(app));

    public static Props Props(AppStateChanged state, AppSettings settings) =>
        Akka.Actor.Props.Create(() => new AppQueriesActor(state, settings));

    private void ToLogs(string deploymentId, object message)
    {
        if (_state.Find(deploymentId) is null) Sender.Tell(new AppError($"deployment '{deploymentId}' not found", NotFound: true));
        else DeploymentLogsActor.Here(Context).Tell(message, Sender);
    }

    public AppQueriesActor(AppStateChanged state, AppSettings settings)
    {
        (_state, _sequenceNr) = (state.State, state.SequenceNr);
        var app = Context.Parent;
        var node = ((ExtendedActorSystem)Context.System).Provider.DefaultAddress.ToString();
        Receive<AppStateChanged>(c => (_state, _sequenceNr) = (c.State, c.SequenceNr));
        // A repeated upload (its client lost the first answer) gets the deployment the first one made.
        Receive<CreateDeployment>(c =>
        {
            var first = _state.Repeated(c)!;
            (_state.ViewOf(first) is { } ended ? Task.FromResult(ended)
                    : app.Ask<DeploymentView>(new GetDeployment(_state.Name, first.Id), AskTimeout))
                .PipeTo(Sender, success: view => new DeploymentRepeated(view));
        });
        Receive<GetEnv>(_ => Sender.Tell(_state.EnvView));
        Receive<GetFormation>(_ => Sender.Tell(_state.FormationView));
        Receive<GetReleases>(_ =>
        {
            var state = _state;
            app.Ask<ImagesListed>(new ListImages(state.Name), AskTimeout)
                .PipeTo(Sender, success: images => state.ReleasesView(images), failure: e => state.ReleasesView(new ImagesListed([], e.Message)));
        });
        Receive<GetApp>(_ => Sender.Tell(new AppView(_state.Name, _state.Routed is { } r ? $"v{r.Version}" : null,
            _state.Routed?.DeploymentId, _state.Deployments.Count, settings.AppUrl(_state.Name), node, _state.Lock, _state.Maintenance, _state.Checks)));
        // Finished deployments answer from the app's own record; only running ones ask their actor.
        Receive<GetDeployments>(g =>
        {
            if (_state.Deployments.All(d => _state.ViewOf(d) is not null))
                Sender.Tell(new DeploymentList(_state.Deployments.Select(d => _state.ViewOf(d)!).ToList()));
            else Task.WhenAll(_state.Deployments.Select(d => _state.ViewOf(d) is { } view
                    ? Task.FromResult(view)
                    : app.Ask<DeploymentView>(new GetDeployment(g.App, d.Id), AskTimeout)))
                .PipeTo(Sender, success: views => new DeploymentList(views));
        });
        Receive<GetDeployment>(g =>
        {
            if (_state.Find(g.DeploymentId) is { } d && _state.ViewOf(d) is { } view) Sender.Tell(view);
            else Sender.Tell(new AppError($"deployment '{g.DeploymentId}' not found", NotFound: true));
        });
        // Plain collections in answers that may cross nodes: Newtonsoft cannot rebuild immutable dictionaries.
        Receive<GetRevivals>(_ => Sender.Tell(new RevivalsView(new Dictionary<string, SlotRevivals>(_state.Restarts))));
        // A List, for the same reason: nor can it rebuild the compiler's collection-expression types.
        Receive<GetAuditSources>(g => Sender.Tell(new AuditSources(_state.Name, (List<JournalRange>)
        [
            .. g.Registration is { } registered ? [registered] : Array.Empty<JournalRange>(),
            new JournalRange(AppActor.PersistencePrefix + _state.Name, 1, _sequenceNr),
            .. _state.Deployments.Select(d => new JournalRange(DeploymentActor.NameFor(d.Id), 1, long.MaxValue)),
            new JournalRange(RunsActor.NameFor(_state.Name), 1, long.MaxValue),
        ])));
        // A deployment's log is a file on this node: its log actor reads it, and watches it.
        Receive<ReadDeploymentLog>(r => ToLogs(r.DeploymentId, r));
        Receive<WatchDeployment>(w => ToLogs(w.DeploymentId, w));
    }
}
