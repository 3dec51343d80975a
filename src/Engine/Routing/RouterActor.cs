using System.Diagnostics;
using Akka.Actor;
using Akka.Event;
using Engine.Protocol;

namespace Engine.Routing;

/// <summary>Owns the route table. Traffic moves only when a deployment, after its hook succeeded, asks for it.
/// Changes are applied to a pending snapshot and published together: a Flush the actor sends itself comes after
/// every change already in its mailbox, so many deployments switching at once cost one YARP reload.</summary>
public sealed class RouterActor : ReceiveActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly RouteTable _table;
    private readonly DrainWatch _drains;
    private readonly RouterSettings _settings;
    private RouteTable.Snapshot? _pending;
    private readonly List<SwitchRoute> _switches = [];

    public static Props Props(RouteTable table, DrainWatch drains, RouterSettings settings) =>
        Akka.Actor.Props.Create(() => new RouterActor(table, drains, settings));

    public RouterActor(RouteTable table, DrainWatch drains, RouterSettings settings)
    {
        _table = table;
        _drains = drains;
        _settings = settings;
        Receive<AppKnown>(k =>
        {
            var current = Latest;
            if (!current.KnownApps.Contains(k.App)) Stage(current with { KnownApps = current.KnownApps.Add(k.App) });
        });
        Receive<SwitchRoute>(s =>
        {
            var current = Latest;
            Stage(current with
            {
                Routes = current.Routes.SetItem(s.App, new AppRoute(s.App, s.DeploymentId, s.Version, s.Endpoints)),
                KnownApps = current.KnownApps.Add(s.App),
            });
            _switches.Add(s);
        });
        // Only for the route that is current: a late word about an old version changes nothing.
        Receive<EndpointDown>(d =>
        {
            Mark(d.App, d.DeploymentId, r => r with { Down = r.Down.Add(d.Endpoint) }, $"{d.App}: {d.Endpoint} is down; out of the route");
            if (d.ReplyTo is not { } replyTo) return;
            // Answered with the next publish (one is staged even when the endpoint was down already), as a switch is.
            if (Latest.Routes.GetValueOrDefault(d.App) is { } route && route.DeploymentId == d.DeploymentId)
            {
                _switches.Add(new SwitchRoute(d.App, d.DeploymentId, route.Version, route.Endpoints.Where(e => !route.Down.Contains(e) && e != d.Endpoint).ToList(), replyTo));
                if (_pending is null) Stage(Latest);
            }
            else
            {
                replyTo.Tell(new RouteSwitched(d.App, d.DeploymentId));
                replyTo.Tell(new RouteDrained(d.App, d.DeploymentId));
            }
        });
        Receive<AppMaintenance>(m =>
        {
            var current = Latest;
            if (current.Maintenance.GetValueOrDefault(m.App) == m.Mode) return;
            Stage(current with { Maintenance = m.Mode is { } mode ? current.Maintenance.SetItem(m.App, mode) : current.Maintenance.Remove(m.App) });
            _log.Info("{0}: maintenance {1}", m.App, m.Mode is null ? "off" : "on");
        });
        Receive<EndpointUp>(u => Mark(u.App, u.DeploymentId, r => r with { Down = r.Down.Remove(u.Endpoint) },
            $"{u.App}: {u.Endpoint} is up again; back in the route"));
        Receive<Flush>(_ => Publish());
    }

    /// <summary>The newest view: the pending changes if any, else what is published.</summary>
    private RouteTable.Snapshot Latest => _pending ?? _table.Current;

    private void Stage(RouteTable.Snapshot next)
    {
        if (_pending is null) Self.Tell(Flush.Instance);
        _pending = next;
    }

    private void Publish()
    {
        if (_pending is not { } next) return;
        // The versions each switch leaves, read before the publish takes their destinations out of YARP.
        var leaving = _switches.Select(s => (Switch: s, Destinations: _table.DestinationsLeaving(next.Routes[s.App]))).ToList();
        var clock = Stopwatch.StartNew();
        _table.Publish(next);
        _log.Debug("published the routes with {0} switch(es) in {1} ms", leaving.Count, clock.ElapsedMilliseconds);
        _pending = null;
        _switches.Clear();
        foreach (var (s, destinations) in leaving)
        {
            _log.Info("{0} now routes to {1} ({2})", s.App, s.Version, string.Join(", ", s.Endpoints));
            s.ReplyTo.Tell(new RouteSwitched(s.App, s.DeploymentId));
            // From this router, so that a broadcaster waiting for several routers knows which one drained.
            _drains.WaitAsync(destinations, _settings.StopGrace).PipeTo(s.ReplyTo, Self,
                success: () => new RouteDrained(s.App, s.DeploymentId));
        }
    }

    private void Mark(string app, string deploymentId, Func<AppRoute, AppRoute> change, string what)
    {
        var current = Latest;
        if (current.Routes.GetValueOrDefault(app) is not { } route || route.DeploymentId != deploymentId) return;
        var next = change(route);
        if (next.Down.SetEquals(route.Down)) return;
        Stage(current with { Routes = current.Routes.SetItem(app, next) });
        _log.Info(what);
    }

    private sealed record Flush
    {
        public static readonly Flush Instance = new();
    }
}
