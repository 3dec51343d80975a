using Akka.Actor;
using Akka.Event;
using Engine.Deployments;
using Engine.Protocol;

namespace Engine.Apps;

/// <summary>The health of an app's routed web containers, a child of its release keeper: tells the keeper on each worker
/// what to check (<see cref="WatchHealth"/>, with the checks the release was deployed with), hears each change
/// (ContainerHealth), takes a container out of the route or puts it back as <see cref="HealthGuard"/> decides, journals
/// ContainerUnhealthy through the app, and has a container replaced when it stays unhealthy longer than the start
/// timeout.</summary>
public sealed class HealthGuardActor : ReceiveActor, IWithTimers
{
    private readonly DeploymentSettings _settings;
    private readonly IActorRef _router, _app;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private RoutedRelease? _routed;
    private string _name = "";
    private HealthGuard _guard = HealthGuard.AllHealthy;
    /// <summary>What each worker's keeper was last told to watch, by the spec it was sent through (its worker's).</summary>
    private readonly Dictionary<string, ContainerSpec> _watching = [];

    /// <summary>To its parent, which has the keepers: send this to the keeper of the spec's worker.</summary>
    public sealed record ToKeeper(ContainerSpec Spec, object Message);

    private sealed record Replace(string Slot, string Answer);

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
            var webs = Webs(_routed!).Select(w => w.Slot).ToList();
            var (next, takeOut, putBack) = _guard.Decide(h.Spec.Slot, h.Healthy, webs);
            _guard = next;
            foreach (var slot in takeOut) Route(slot, up: false);
            foreach (var slot in putBack) Route(slot, up: true);
            if (h.Healthy)
            {
                Timers.Cancel(h.Spec.Slot);
                _log.Info("{0}: {1} is healthy again ({2})", _name, h.Spec.Slot, h.Answer);
                return;
            }
            var outOfRoute = next.Out.Contains(h.Spec.Slot);
            if (!outOfRoute)
                _log.Warning("{0}: {1} is unhealthy ({2}), but so is every other web container: it keeps serving", _name, h.Spec.Slot, h.Answer);
            _app.Tell(new ContainerUnhealthy(_name, h.Spec.DeploymentId, h.Spec.Slot, h.Answer, outOfRoute, DateTimeOffset.UtcNow));
            Timers.StartSingleTimer(h.Spec.Slot, new Replace(h.Spec.Slot, h.Answer), _settings.StartTimeout);
        });
        Receive<ContainerHealth>(_ => { }); // of a release no longer routed
        Receive<Replace>(r => _guard.Unhealthy.Contains(r.Slot) && Webs(_routed!).FirstOrDefault(w => w.Slot == r.Slot) is not null, r =>
        {
            var spec = Webs(_routed!).First(w => w.Slot == r.Slot);
            _guard = _guard.Replacing(r.Slot);
            Context.Parent.Tell(new ToKeeper(spec, new ReviveContainer(spec, "", null,
                $"unhealthy for over {_settings.StartTimeout.TotalSeconds:0.#} s (last answer {r.Answer})")));
        });
        Receive<Replace>(_ => { });
    }

    private static IEnumerable<ContainerSpec> Webs(RoutedRelease routed) =>
        routed.Containers.Where(c => c.Port is not null).Select(c => c with { Worker = routed.WorkerOf(c) });

    private void Route(string slot, bool up)
    {
        var spec = Webs(_routed!).First(w => w.Slot == slot);
        var endpoint = AppRoutes.Endpoint(_routed!, spec, _settings.Cluster.AdvertiseHost);
        _router.Tell(up ? new EndpointUp(_name, spec.DeploymentId, endpoint) : new EndpointDown(_name, spec.DeploymentId, endpoint));
    }

    /// <summary>The routed release's web containers, by worker, to each worker's keeper with its checks (none: stop); a
    /// worker that no longer holds any hears that too. Sent again only when they change.</summary>
    private void Watch(AppState state)
    {
        _name = state.Name;
        var routed = state.Routed;
        if (routed?.DeploymentId != _routed?.DeploymentId) _guard = HealthGuard.AllHealthy;
        if (routed == _routed) return;
        var same = routed is not null && _routed is not null && routed.Checks == _routed.Checks
                   && Webs(routed).SequenceEqual(Webs(_routed));
        _routed = routed;
        if (same) return;
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
