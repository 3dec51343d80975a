using System.Collections.Immutable;
using Akka.Actor;
using Engine.Protocol;

namespace Engine.Routing;

/// <summary>The route table as the owning node has sent it to the routers: every app known, its current route, and
/// the endpoints of that route that are down. Replayed whole to a router that joins late.</summary>
public sealed record RouteBook(
    ImmutableSortedSet<string> Known,
    ImmutableDictionary<string, SwitchRoute> Routes,
    ImmutableDictionary<string, ImmutableHashSet<string>> Down)
{
    public static readonly RouteBook Empty = new(ImmutableSortedSet<string>.Empty,
        ImmutableDictionary<string, SwitchRoute>.Empty, ImmutableDictionary<string, ImmutableHashSet<string>>.Empty);

    /// <summary>Apps in maintenance, with their page.</summary>
    public ImmutableDictionary<string, Maintenance> Maintenance { get; init; } = ImmutableDictionary<string, Maintenance>.Empty;

    public RouteBook Know(string app) => this with { Known = Known.Add(app) };

    public RouteBook Maintain(AppMaintenance m) => this with
    {
        Known = Known.Add(m.App),
        Maintenance = m.Mode is { } mode ? Maintenance.SetItem(m.App, mode) : Maintenance.Remove(m.App),
    };

    /// <summary>The new route, without its reply address: a replay answers nobody.</summary>
    public RouteBook Switch(SwitchRoute s) => this with
    {
        Known = Known.Add(s.App),
        Routes = Routes.SetItem(s.App, s with { ReplyTo = ActorRefs.Nobody }),
        Down = Down.Remove(s.App),
    };

    /// <summary>Only for the route that is current, as the router itself does.</summary>
    public RouteBook Mark(string app, string deploymentId, string endpoint, bool down)
    {
        if (!Routes.TryGetValue(app, out var route) || route.DeploymentId != deploymentId) return this;
        var set = Down.GetValueOrDefault(app, ImmutableHashSet<string>.Empty);
        return this with { Down = Down.SetItem(app, down ? set.Add(endpoint) : set.Remove(endpoint)) };
    }

    public IEnumerable<object> Messages()
    {
        foreach (var app in Known)
        {
            yield return new AppKnown(app);
            // Off too: a router that missed the change to off hears it here.
            yield return new AppMaintenance(app, Maintenance.GetValueOrDefault(app));
            if (!Routes.TryGetValue(app, out var route)) continue;
            yield return route;
            foreach (var endpoint in Down.GetValueOrDefault(app, ImmutableHashSet<string>.Empty))
                yield return new EndpointDown(app, route.DeploymentId, endpoint);
        }
    }
}
