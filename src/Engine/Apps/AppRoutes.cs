using Akka.Actor;
using Engine.Cluster;
using Engine.Protocol;
using ClusterSettings = Engine.Cluster.ClusterSettings;

namespace Engine.Apps;

/// <summary>How the routers reach a routed release's web containers.</summary>
public static class AppRoutes
{
    /// <summary>The route to the release's web containers; the router answers <paramref name="replyTo"/> when given.</summary>
    public static SwitchRoute RouteFor(string app, RoutedRelease routed, string advertiseHost, IActorRef? replyTo = null) =>
        new(app, routed.DeploymentId, $"v{routed.Version}",
            routed.Containers.Where(c => c.Port is not null).Select(c => Endpoint(routed, c, advertiseHost)).ToList(),
            replyTo ?? ActorRefs.Nobody);

    /// <summary>On its worker's host (<paramref name="advertiseHost"/> for containers placed with no worker named).</summary>
    public static string Endpoint(RoutedRelease routed, ContainerSpec c, string advertiseHost) =>
        ClusterSettings.WebEndpoint(c.WorkerHost ?? routed.WorkerHost ?? advertiseHost, c.Port!.Value);
}
