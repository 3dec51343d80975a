using System.Diagnostics.CodeAnalysis;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Engine.Deployments;
using Engine.Hosting;
using Engine.Routing;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Model;

namespace Engine.Tests.Routing;

/// <summary>Item 11: the router takes a dead web container out of YARP's configuration and puts it back; a word about a
/// version that is no longer routed changes nothing.</summary>
public sealed class RouterActorTests : TestKit
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private const string E1 = "http://127.0.0.1:5001";
    private const string E2 = "http://127.0.0.1:5002";
    private readonly InMemoryConfigProvider _config = new([], []);
    private readonly RouteTable _table;
    private readonly IActorRef _router;

    public RouterActorTests()
    {
        _table = new RouteTable(_config, new NoProxyState(), new EngineSettings());
        _router = Sys.ActorOf(RouterActor.Props(_table, new EngineSettings { StopGrace = TimeSpan.Zero }));
    }

    private IReadOnlyList<string> Destinations(string app) =>
        _config.GetConfig().Clusters.SingleOrDefault(c => c.ClusterId == _table.Current.Routes[app].ClusterId)?
            .Destinations?.Values.Select(d => d.Address).Order().ToList() ?? [];

    private bool Routed(string app) => _config.GetConfig().Routes.Any(r => r.RouteId == $"route-{app}");

    [Fact]
    public void A_down_endpoint_leaves_the_route_until_it_is_up_and_stale_news_changes_nothing()
    {
        _router.Tell(new SwitchRoute("a", "a-v2", "v2", [E1, E2], TestActor));
        ExpectMsg<RouteSwitched>(Patience);
        ExpectMsg<RouteDrained>(Patience);

        _router.Tell(new EndpointDown("a", "a-v1", E2)); // an old version: ignored
        _router.Tell(new EndpointDown("a", "a-v2", E1));
        AwaitAssert(() => Assert.Equal([E2], Destinations("a")), Patience);

        _router.Tell(new EndpointDown("a", "a-v2", E2));
        AwaitAssert(() => Assert.False(Routed("a")), Patience);
        Assert.True(_table.Current.Routes["a"].AllDown); // the fallback answers "no live web container"

        _router.Tell(new EndpointUp("a", "a-v2", E2));
        _router.Tell(new EndpointUp("a", "a-v2", E1));
        AwaitAssert(() => Assert.Equal([E1, E2], Destinations("a")), Patience);
        Assert.True(Routed("a"));

        // A new version replaces the route; late news about the old one must not touch it.
        _router.Tell(new SwitchRoute("a", "a-v3", "v3", [E1], TestActor));
        ExpectMsg<RouteSwitched>(Patience);
        ExpectMsg<RouteDrained>(Patience);
        _router.Tell(new EndpointDown("a", "a-v2", E1));
        _router.Tell(new AppKnown("b"));
        AwaitCondition(() => _table.Current.KnownApps.Contains("b"), Patience); // the router has handled the stale news
        Assert.Equal([E1], Destinations("a"));
    }

    private sealed class NoProxyState : IProxyStateLookup
    {
        public bool TryGetRoute(string id, [NotNullWhen(true)] out RouteModel? route) { route = null; return false; }
        public IEnumerable<RouteModel> GetRoutes() => [];
        public bool TryGetCluster(string id, [NotNullWhen(true)] out ClusterState? cluster) { cluster = null; return false; }
        public IEnumerable<ClusterState> GetClusters() => [];
    }
}
