using System.Diagnostics.CodeAnalysis;
using System.Net;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Engine.Hosting;
using Engine.Routing;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Model;
using Engine.Protocol;

namespace Engine.Tests.Routing;

/// <summary>Item 11: the router takes a dead web container out of YARP's configuration and puts it back; a word about a
/// version that is no longer routed changes nothing. Issue 6: one route and cluster per app, switches published in
/// batches, and a drain that waits on the old version's destinations only.</summary>
public sealed class RouterActorTests : TestKit
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private const string E1 = "http://127.0.0.1:5001";
    private const string E2 = "http://127.0.0.1:5002";
    private readonly InMemoryConfigProvider _config = new([], []);
    private readonly FakeProxyState _proxy = new();
    private readonly DrainWatch _drains = new();
    private readonly RouteTable _table;
    private readonly IActorRef _router;

    public RouterActorTests()
    {
        _table = new RouteTable(_config, _proxy, new EngineSettings());
        _router = Sys.ActorOf(RouterActor.Props(_table, _drains, new EngineSettings { StopGrace = TimeSpan.Zero }));
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

    [Fact]
    public void A_new_version_changes_only_the_destinations_of_the_apps_one_cluster()
    {
        _router.Tell(new SwitchRoute("a", "a-v1", "v1", [E1], TestActor));
        ExpectMsg<RouteSwitched>(Patience);
        ExpectMsg<RouteDrained>(Patience);
        var before = _config.GetConfig().Routes.Single();

        _router.Tell(new SwitchRoute("a", "a-v2", "v2", [E1, E2], TestActor));
        ExpectMsg<RouteSwitched>(Patience);
        ExpectMsg<RouteDrained>(Patience);

        var config = _config.GetConfig();
        Assert.Equal(before, config.Routes.Single()); // YARP keeps the route's endpoint and the matcher
        Assert.Equal("cluster-a", config.Routes.Single().ClusterId);
        var cluster = config.Clusters.Single();
        Assert.Equal("cluster-a", cluster.ClusterId);
        Assert.Equal(["a-v2/web-1", "a-v2/web-2"], cluster.Destinations!.Keys.Order());
        Assert.Equal((HttpVersion.Version11, HttpVersionPolicy.RequestVersionExact),
            (cluster.HttpRequest!.Version, cluster.HttpRequest.VersionPolicy)); // no HTTP/2 attempt per request to an app
    }

    [Fact]
    public void Switches_waiting_in_the_mailbox_are_published_at_once_and_each_is_answered_after_it()
    {
        // The first publish blocks inside YARP's change callback while the other switches queue up behind it.
        using var gate = new ManualResetEventSlim();
        var publishes = 0;
        void Watch(IProxyConfig config) => config.ChangeToken.RegisterChangeCallback(_ =>
        {
            Interlocked.Increment(ref publishes);
            gate.Wait(Patience);
            Watch(_config.GetConfig());
        }, null);
        Watch(_config.GetConfig());

        var apps = Enumerable.Range(1, 20).Select(i => $"app{i}").ToList();
        _router.Tell(new SwitchRoute(apps[0], $"{apps[0]}-v1", "v1", [E1], TestActor));
        AwaitCondition(() => Volatile.Read(ref publishes) == 1, Patience);
        foreach (var app in apps.Skip(1)) _router.Tell(new SwitchRoute(app, $"{app}-v1", "v1", [E2], TestActor));
        ExpectNoMsg(TimeSpan.FromMilliseconds(300)); // nobody is told "switched" before the publish is done
        gate.Set();

        var switched = new List<string>();
        for (var i = 0; i < apps.Count * 2; i++)
        {
            var reply = ExpectMsg<object>(Patience);
            if (reply is not RouteSwitched s) continue;
            Assert.Contains(_config.GetConfig().Routes, r => r.RouteId == $"route-{s.App}"); // published before the reply
            switched.Add(s.App);
        }
        Assert.Equal(apps.Order(), switched.Order());
        Assert.Equal(2, Volatile.Read(ref publishes)); // the first switch, then the 19 queued behind it together
    }

    /// <summary>The switch to v2's web-1 leaves either v1's web-1 (a new version) or v2's web-2 (a scale down).</summary>
    [Theory]
    [InlineData("a-v1/web-1")]
    [InlineData("a-v2/web-2")]
    public void The_drain_waits_only_for_the_destinations_the_route_leaves_and_wakes_when_their_last_request_ends(string leavingKey)
    {
        var router = Sys.ActorOf(RouterActor.Props(_table, _drains, new EngineSettings { StopGrace = TimeSpan.FromMinutes(5) }));
        var leaving = Destination(leavingKey, E2, inFlight: 1);
        var staying = Destination("a-v2/web-1", E1, inFlight: 3);
        _proxy.Add("cluster-a", leaving, staying);

        router.Tell(new SwitchRoute("a", "a-v2", "v2", [E1], TestActor));
        ExpectMsg<RouteSwitched>(Patience);
        ExpectNoMsg(TimeSpan.FromMilliseconds(500)); // a request to the leaving destination is still in flight

        leaving.ConcurrentRequestCount = 0;
        _drains.Ended(leaving); // what the proxy pipeline reports when a request ends
        ExpectMsg<RouteDrained>(Patience); // long before the five-minute grace, though the one that stays is busy
    }

    /// <summary>A destination as YARP holds it: its key, its address, its requests in flight.</summary>
    private static DestinationState Destination(string key, string address, int inFlight) =>
        new(key, new DestinationModel(new DestinationConfig { Address = address })) { ConcurrentRequestCount = inFlight };

    private sealed class FakeProxyState : IProxyStateLookup
    {
        private readonly Dictionary<string, ClusterState> _clusters = [];

        public void Add(string clusterId, params DestinationState[] destinations)
        {
            var cluster = new ClusterState(clusterId);
            foreach (var d in destinations) cluster.Destinations[d.DestinationId] = d;
            _clusters[clusterId] = cluster;
        }

        public bool TryGetRoute(string id, [NotNullWhen(true)] out RouteModel? route) { route = null; return false; }
        public IEnumerable<RouteModel> GetRoutes() => [];
        public bool TryGetCluster(string id, [NotNullWhen(true)] out ClusterState? cluster) => _clusters.TryGetValue(id, out cluster);
        public IEnumerable<ClusterState> GetClusters() => _clusters.Values;
    }
}
