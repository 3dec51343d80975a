using Engine.Protocol;


namespace Engine.Audit;

/// <summary>Who served <paramref name="App"/> at <paramref name="At"/>: the routed deployment and its version label
/// (null: nothing was routed yet), since when and until when it held the route (null: it still does; before the first
/// route, when that came), and the deployment routed before it.</summary>
public sealed record RouteAt(string App, DateTimeOffset At, string? DeploymentId, string? Version, DateTimeOffset? Since,
    DateTimeOffset? Until, string? Previous);

/// <summary>The app's route over time, from the DeploymentRouted events of its journal.</summary>
public static class RouteHistory
{
    /// <returns>Null when the journal holds no event of <paramref name="app"/>: no such app.</returns>
    public static RouteAt? At(IReadOnlyCollection<JournalEvent> events, string app, DateTimeOffset at)
    {
        if (!events.Any(e => e.Event is IAppEvent a && a.App == app)) return null;
        // By the event's own time; the app's sequence breaks ties, as it is the order they were decided in.
        var routes = events.Where(e => e.Event is DeploymentRouted r && r.App == app)
            .OrderBy(e => ((DeploymentRouted)e.Event).At).ThenBy(e => e.SequenceNr)
            .Select(e => (DeploymentRouted)e.Event).ToList();
        var current = routes.FindLastIndex(r => r.At <= at);
        if (current < 0) return new RouteAt(app, at, null, null, null, routes.FirstOrDefault()?.At, null);
        var route = routes[current];
        return new RouteAt(app, at, route.DeploymentId, $"v{route.Version}", route.At,
            current + 1 < routes.Count ? routes[current + 1].At : null, current > 0 ? routes[current - 1].DeploymentId : null);
    }
}
