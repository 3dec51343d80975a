using Akka.Actor;

namespace Engine.Routing;

/// <summary>Move an app's traffic to the given web endpoints. The router replies RouteSwitched at once and
/// RouteDrained when the previous endpoints have no request in flight (or the grace period is over).</summary>
public sealed record SwitchRoute(string App, string DeploymentId, string Version, IReadOnlyList<string> Endpoints,
    IActorRef ReplyTo);

/// <summary>The app exists, so an unrouted request to it gets "no routed version" rather than "unknown app".</summary>
public sealed record AppKnown(string App);

public sealed record AppRoute(string App, string DeploymentId, string Version, IReadOnlyList<string> Endpoints)
{
    public string ClusterId => $"cluster-{DeploymentId}";
}
