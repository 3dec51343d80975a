using Akka.Actor;
using Akka.Event;
using Engine.Deployments;
using Engine.Hosting;
using Yarp.ReverseProxy.Model;

namespace Engine.Routing;

/// <summary>Owns the route table. Traffic moves only when a deployment, after its hook succeeded, asks for it.</summary>
public sealed class RouterActor : ReceiveActor
{
    private static readonly TimeSpan DrainPoll = TimeSpan.FromMilliseconds(50);
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public static Props Props(RouteTable table, EngineSettings settings) =>
        Akka.Actor.Props.Create(() => new RouterActor(table, settings));

    public RouterActor(RouteTable table, EngineSettings settings)
    {
        Receive<AppKnown>(k =>
        {
            var current = table.Current;
            if (!current.KnownApps.Contains(k.App)) table.Publish(current with { KnownApps = current.KnownApps.Add(k.App) });
        });
        Receive<SwitchRoute>(s =>
        {
            var current = table.Current;
            var previous = current.Routes.GetValueOrDefault(s.App);
            var inFlight = previous is null ? [] : table.DestinationsOf(previous);
            table.Publish(current with
            {
                Routes = current.Routes.SetItem(s.App, new AppRoute(s.App, s.DeploymentId, s.Version, s.Endpoints)),
                KnownApps = current.KnownApps.Add(s.App),
            });
            _log.Info("{0} now routes to {1} ({2})", s.App, s.Version, string.Join(", ", s.Endpoints));
            s.ReplyTo.Tell(new RouteSwitched(s.App, s.DeploymentId));
            DrainAsync(inFlight, settings.StopGrace).PipeTo(s.ReplyTo,
                success: () => new RouteDrained(s.App, s.DeploymentId));
        });
        // Only for the route that is current: a late word about an old version changes nothing.
        Receive<EndpointDown>(d => Mark(table, d.App, d.DeploymentId, r => r with { Down = r.Down.Add(d.Endpoint) },
            $"{d.App}: {d.Endpoint} is down; out of the route"));
        Receive<EndpointUp>(u => Mark(table, u.App, u.DeploymentId, r => r with { Down = r.Down.Remove(u.Endpoint) },
            $"{u.App}: {u.Endpoint} is up again; back in the route"));
    }

    private void Mark(RouteTable table, string app, string deploymentId, Func<AppRoute, AppRoute> change, string what)
    {
        var current = table.Current;
        if (current.Routes.GetValueOrDefault(app) is not { } route || route.DeploymentId != deploymentId) return;
        var next = change(route);
        if (next.Down.SetEquals(route.Down)) return;
        table.Publish(current with { Routes = current.Routes.SetItem(app, next) });
        _log.Info(what);
    }

    /// <summary>Waits until no request routed to the previous version is still in flight, at most the grace period.</summary>
    private static async Task DrainAsync(IReadOnlyList<DestinationState> previous, TimeSpan grace)
    {
        var deadline = DateTime.UtcNow + grace;
        while (previous.Any(d => d.ConcurrentRequestCount > 0) && DateTime.UtcNow < deadline)
            await Task.Delay(DrainPoll);
    }
}
