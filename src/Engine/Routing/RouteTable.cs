using System.Collections.Immutable;
using System.Net;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.LoadBalancing;
using Yarp.ReverseProxy.Model;
using Engine.Protocol;

namespace Engine.Routing;

/// <summary>The router actor's window onto YARP: each change replaces the whole proxy configuration in one swap.
/// Each app has one route and one cluster whose ids never change, so a new version only changes the cluster's
/// destinations: YARP then keeps the route's endpoint, the matcher and the cluster's pooled connections.</summary>
public sealed class RouteTable(InMemoryConfigProvider proxyConfig, IProxyStateLookup proxyState, RouterSettings settings)
{
    private volatile Snapshot _current = new(ImmutableDictionary<string, AppRoute>.Empty, ImmutableHashSet<string>.Empty);

    private static readonly ForwarderRequestConfig Http11 =
        new() { Version = HttpVersion.Version11, VersionPolicy = HttpVersionPolicy.RequestVersionExact };

    /// <summary>A destination leaves its cluster once its requests fail, and only then: that the cluster cannot reach a
    /// worker's engine (frozen, cut off) says nothing about its containers. With every destination out, all are tried
    /// again rather than none (a lone container's blip must not refuse its app for the whole period).</summary>
    private static readonly HealthCheckConfig PassiveHealth = new()
    {
        Passive = new PassiveHealthCheckConfig
        {
            Enabled = true, Policy = FailuresInARowPolicy.PolicyName, ReactivationPeriod = FailuresInARowPolicy.Reactivation,
        },
        AvailableDestinationsPolicy = HealthCheckConstants.AvailableDestinations.HealthyOrPanic,
    };

    public sealed record Snapshot(ImmutableDictionary<string, AppRoute> Routes, ImmutableHashSet<string> KnownApps)
    {
        /// <summary>Apps in maintenance: YARP has no route for them, so the fallback answers for them.</summary>
        public ImmutableDictionary<string, Maintenance> Maintenance { get; init; } = ImmutableDictionary<string, Maintenance>.Empty;
    }

    public Snapshot Current => _current;

    public void Publish(Snapshot next)
    {
        // An app that runs no web process, whose web containers are all down, or that is in maintenance, is not proxied
        // to: the fallback answers for it. (A request to a proxied app pays nothing for maintenance mode.)
        var served = next.Routes.Values.Where(r => r.Endpoints.Count > 0 && !r.AllDown && !next.Maintenance.ContainsKey(r.App)).ToList();
        var routes = served.Select(r => new RouteConfig
        {
            RouteId = $"route-{r.App}",
            ClusterId = r.ClusterId,
            Match = new RouteMatch { Hosts = [HostFor(r.App)], Path = "{**catch-all}" },
        }).ToList();
        var clusters = served.Select(r => new ClusterConfig
        {
            ClusterId = r.ClusterId,
            LoadBalancingPolicy = LoadBalancingPolicies.RoundRobin,
            // Apps speak HTTP/1.1 on loopback: no HTTP/2 attempt or version negotiation per request.
            HttpRequest = Http11,
            HealthCheck = PassiveHealth,
            Destinations = r.Endpoints.Select((e, i) => (Key: r.DestinationKey(i), Value: new DestinationConfig { Address = e }))
                .Where(d => !r.Down.Contains(d.Value.Address)).ToDictionary(d => d.Key, d => d.Value),
        }).ToList();
        // The fallback reads the snapshot to explain a request YARP has no route for: publish it first, so it never
        // explains a request with the routes of before.
        _current = next;
        proxyConfig.Update(routes, clusters);
    }

    public string HostFor(string app) => $"{app}.{settings.Domain}";

    /// <summary>The app named by a Host header under the engine's domain, or null.</summary>
    public string? AppFor(string host)
    {
        var suffix = "." + settings.Domain;
        var name = host.Split(':')[0];
        return name.EndsWith(suffix, StringComparison.OrdinalIgnoreCase) ? name[..^suffix.Length].ToLowerInvariant() : null;
    }

    /// <summary>YARP's live destination states of an app that the route about to be published no longer holds (those of
    /// the version a switch leaves, or of containers scaled away): their in-flight counters tell when they have
    /// drained. Read them before publishing, which takes them out of the cluster (requests in flight keep counting on
    /// these same objects).</summary>
    public IReadOnlyList<DestinationState> DestinationsLeaving(AppRoute next) =>
        proxyState.TryGetCluster(next.ClusterId, out var cluster)
            ? cluster.Destinations.Values.Where(d => !next.Holds(d.DestinationId, d.Model.Config.Address)
                || next.Down.Contains(d.Model.Config.Address)).ToList()
            : [];
}
