using Akka.Actor;
using Akka.Event;
using Engine.Deployments;
using Engine.Protocol;

namespace Engine.Apps;

/// <summary>The health of an app's routed web containers, a child of its release keeper: tells the keeper on each worker
/// what to check (<see cref="WatchHealth"/>, with the checks the release was deployed with), hears each change
/// (ContainerHealth), takes a container out of the route or puts it back as <see cref="HealthGuard"/> decides, journals
/// ContainerUnhealthy through the app, and has a container replaced when it stays out of the route longer than the start
/// timeout. One kept in the route (every other one failing too, likely a shared dependency) keeps serving and is not
/// replaced: replacing it would only take the last server away, and again once its successor fails the same way.</summary>
public sealed class HealthGuardActor : ReceiveActor, IWithTimers
{
    private readonly DeploymentSettings _settings;
    private readonly IActorRef _router, _app;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private RoutedRelease? _routed;
    private string _name = "";
    private HealthGuard _guard = HealthGuard.AllHealthy;
    /// <summary>The last answer of each container whose health changed, for the replacement's reason.</summary>
    private readonly Dictionary<string, string> _answers = [];
    /// <summary>What each worker's keeper was last told to watch, by the spec it was sent through (its worker's).</summary>
    private readonly Dictionary<string, ContainerSpec> _watching = [];

    /// <summary>To its parent, which has the keepers: send this to the keeper of the spec's worker.</summary>
    public sealed record ToKeeper(ContainerSpec Spec, object Message);

    private sealed record Replace(string Slot);

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(AppState state, DeploymentSettings settings, IActorRef router, IActorRef app) =>
        Akka.Actor.Props.Create(() => new HealthGuardActor(state, settings, router, app));

    public HealthGuardActor(AppState state, DeploymentSettings settings, IActorRef router, IActorRef app)
    {
        (_settings, _router, _app) = (settings, router, app);
        Watch(state);
        Receive<AppStateChanged>(c => Watch(c.State));
        Receive<ContainerHealth>(h => h.Spec.DeploymentId == _routed?.DeploymentId, h =>
        {
            var (next, takeOut, putBack) = _guard.Decide(h.Spec.Slot, h.Healthy, Webs(_routed!).Select(w => w.Slot).ToList());
            _guard = next;
            _answers[h.Spec.Slot] = h.Answer;
            foreach (var slot in takeOut) Route(slot, up: false);
            foreach (var slot in putBack) Route(slot, up: true);
            ReplaceWhileOut();
            if (h.Healthy)
            {
                _log.Info("{0}: {1} is healthy again ({2})", _name, h.Spec.Slot, h.Answer);
                return;
            }
            var outOfRoute = next.Out.Contains(h.Spec.Slot);
            if (!outOfRoute)
                _log.Warning("{0}: {1} is unhealthy ({2}), but so is every other web container: it keeps serving", _name, h.Spec.Slot, h.Answer);
            _app.Tell(new ContainerUnhealthy(_name, h.Spec.DeploymentId, h.Spec.Slot, h.Answer, outOfRoute, DateTimeOffset.UtcNow));
        });
        // Revived by its keeper (it had exited, or was replaced): a new container, healthy and in the route.
        Receive<ContainerRevived>(r => r.Spec.DeploymentId == _routed?.DeploymentId, r =>
        {
            _guard = _guard.Replacing(r.Spec.Slot);
            Timers.Cancel(r.Spec.Slot);
        });
        Receive<Replace>(r => _guard.Out.Contains(r.Slot) && Webs(_routed!).Any(w => w.Slot == r.Slot), r =>
        {
            var spec = Webs(_routed!).First(w => w.Slot == r.Slot);
            _guard = _guard.Replacing(r.Slot);
            Context.Parent.Tell(new ToKeeper(spec, new ReviveContainer(spec, "", null,
                $"unhealthy and out of the route for over {_settings.StartTimeout.TotalSeconds:0.#} s (last answer {_answers.GetValueOrDefault(r.Slot)})")));
        });
        Receive<object>(m => m is ContainerHealth or ContainerRevived or Replace, _ => { }); // of a release no longer routed
    }

    /// <summary>A replacement is due for each container out of the route a start timeout from when it left; none for
    /// the others.</summary>
    private void ReplaceWhileOut()
    {
        foreach (var slot in _guard.Out.Where(s => !Timers.IsTimerActive(s))) Timers.StartSingleTimer(slot, new Replace(slot), _settings.StartTimeout);
        foreach (var slot in _answers.Keys.Where(s => !_guard.Out.Contains(s))) Timers.Cancel(slot);
    }

    private static IEnumerable<ContainerSpec> Webs(RoutedRelease routed) =>
        routed.Containers.Where(c => c.Port is not null).Select(c => c with { Worker = routed.WorkerOf(c) });

    private void Route(string slot, bool up)
    {
        if (Webs(_routed!).FirstOrDefault(w => w.Slot == slot) is not { } spec) return; // scaled away meanwhile
        var endpoint = AppRoutes.Endpoint(_routed!, spec, _settings.Cluster.AdvertiseHost);
        _router.Tell(up ? new EndpointUp(_name, spec.DeploymentId, endpoint) : new EndpointDown(_name, spec.DeploymentId, endpoint));
    }

    /// <summary>The routed release's web containers, by worker, to each worker's keeper with its checks (none: stop); a
    /// worker that no longer holds any hears that too. Sent again only when they change (a deployment, a scale, a lost
    /// worker's containers started elsewhere): then every container starts healthy, as the routers' new route has them,
    /// and the watches find the unhealthy ones again.</summary>
    private void Watch(AppState state)
    {
        _name = state.Name;
        var routed = state.Routed;
        if (routed == _routed) return;
        var same = routed is not null && _routed is not null && routed.DeploymentId == _routed.DeploymentId
                   && routed.Checks == _routed.Checks && Webs(routed).SequenceEqual(Webs(_routed));
        _routed = routed;
        if (same) return;
        _guard = HealthGuard.AllHealthy;
        foreach (var slot in _answers.Keys) Timers.Cancel(slot);
        _answers.Clear();
        var groups = routed is { Checks: not null } ? Webs(routed).GroupBy(w => w.Worker ?? "").ToDictionary(g => g.Key, g => g.ToList()) : [];
        foreach (var (worker, through) in _watching.Where(w => !groups.ContainsKey(w.Key)).ToList())
        {
            Context.Parent.Tell(new ToKeeper(through, new WatchHealth(routed?.DeploymentId ?? "", [], null, Self)));
            _watching.Remove(worker);
        }
        foreach (var (worker, webs) in groups)
        {
            Context.Parent.Tell(new ToKeeper(webs[0], new WatchHealth(routed!.DeploymentId, webs, routed.Checks, Self)));
            _watching[worker] = webs[0];
        }
    }
}
