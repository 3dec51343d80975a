using Akka.Actor;
using Engine.Routing;
using Engine.Protocol;

namespace Engine.Tests.Routing;

/// <summary>The table a node has sent to the routers, replayed whole to a router that joins late.</summary>
public sealed class RouteBookTests : Akka.TestKit.Xunit2.TestKit
{
    private IActorRef Deployment => TestActor;

    [Fact]
    public void A_replay_names_every_app_its_current_route_and_the_endpoints_down_and_answers_nobody()
    {
        var book = RouteBook.Empty
            .Know("idle")
            .Switch(new SwitchRoute("web", "web-v1", "v1", ["http://127.0.0.1:1", "http://127.0.0.1:2"], Deployment))
            .Mark("web", "web-v1", "http://127.0.0.1:2", down: true)
            .Switch(new SwitchRoute("web", "web-v2", "v2", ["http://127.0.0.1:3", "http://127.0.0.1:4"], Deployment))
            .Mark("web", "web-v2", "http://127.0.0.1:4", down: true)
            .Mark("web", "web-v2", "http://127.0.0.1:3", down: true)
            .Mark("web", "web-v2", "http://127.0.0.1:3", down: false)
            // A late word about a version that is no longer routed changes nothing.
            .Mark("web", "web-v1", "http://127.0.0.1:1", down: true)
            .Maintain(new AppMaintenance("web", new Maintenance("back soon", 60)))
            .Maintain(new AppMaintenance("idle", new Maintenance("gone", 1)))
            .Maintain(new AppMaintenance("idle", null));

        var replay = book.Messages().ToList();

        // Maintenance before the route, so that a router that joins never serves an app in maintenance; off is said too.
        Assert.Equal(6, replay.Count);
        Assert.Equal(new AppKnown("idle"), replay[0]);
        Assert.Equal(new AppMaintenance("idle", null), replay[1]);
        Assert.Equal(new AppKnown("web"), replay[2]);
        Assert.Equal(new AppMaintenance("web", new Maintenance("back soon", 60)), replay[3]);
        var route = Assert.IsType<SwitchRoute>(replay[4]);
        Assert.Equal(("web-v2", "v2"), (route.DeploymentId, route.Version));
        Assert.Equal(["http://127.0.0.1:3", "http://127.0.0.1:4"], route.Endpoints);
        Assert.True(route.ReplyTo.IsNobody());
        Assert.Equal(new EndpointDown("web", "web-v2", "http://127.0.0.1:4"), replay[5]);
    }
}
