using System.Collections.Immutable;
using Akka.Actor;

namespace Engine.Protocol;

/// <summary>Move an app's traffic to the given web endpoints. The router replies RouteSwitched at once and
/// RouteDrained when the previous endpoints have no request in flight (or the grace period is over).</summary>
[Manifest("switch-route.v1")]
public sealed record SwitchRoute(string App, string DeploymentId, string Version, IReadOnlyList<string> Endpoints,
    IActorRef ReplyTo) : IEngineMessage;

/// <summary>The app exists, so an unrouted request to it gets "no routed version" rather than "unknown app".</summary>
[Manifest("app-known.v1")]
public sealed record AppKnown(string App) : IEngineMessage;

/// <summary>A routed web container stopped (or is about to): no request goes to it until <see cref="EndpointUp"/>. With
/// <paramref name="ReplyTo"/>, the router answers as for a switch: RouteSwitched once no new request goes there,
/// RouteDrained once none is in flight to it (a restart stops the container only then).</summary>
[Manifest("endpoint-down.v1")]
public sealed record EndpointDown(string App, string DeploymentId, string Endpoint, IActorRef? ReplyTo = null) : IEngineMessage;

/// <summary>A routed web container accepts connections again.</summary>
[Manifest("endpoint-up.v1")]
public sealed record EndpointUp(string App, string DeploymentId, string Endpoint) : IEngineMessage;

public sealed record AppRoute(string App, string DeploymentId, string Version, IReadOnlyList<string> Endpoints)
{
    /// <summary>One cluster per app, so a new version never changes the route.</summary>
    public string ClusterId => ClusterIdOf(App);

    public static string ClusterIdOf(string app) => $"cluster-{app}";

    /// <summary>Destination keys carry the deployment, so the old version's destinations (and their in-flight
    /// counters) stay apart from the new one's; the index is that of the full list, so a container coming back
    /// gets its old key.</summary>
    public string DestinationKey(int index) => $"{DeploymentId}/web-{index + 1}";

    /// <summary>Whether the route keeps this destination (same key, same address).</summary>
    public bool Holds(string destinationKey, string address) =>
        Endpoints.Select((e, i) => (Key: DestinationKey(i), Address: e)).Any(d => d.Key == destinationKey && d.Address == address);

    /// <summary>Endpoints whose container is known to be down (the keeper is restarting it).</summary>
    public ImmutableHashSet<string> Down { get; init; } = ImmutableHashSet<string>.Empty;

    public bool AllDown => Endpoints.Count > 0 && Endpoints.All(Down.Contains);
}
