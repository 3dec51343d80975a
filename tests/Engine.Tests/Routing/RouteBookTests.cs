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
            .Mark("web", "web-v1", "http://127.0.0.1:1", down: true);

        var replay = book.Messages().ToList();

        Assert.Equal(4, replay.Count);
        Assert.Equal(new AppKnown("idle"), replay[0]);
        Assert.Equal(new AppKnown("web"), replay[1]);
        var route = Assert.IsType<SwitchRoute>(replay[2]);
        Assert.Equal(("web-v2", "v2"), (route.DeploymentId, route.Version));
        Assert.Equal(["http://127.0.0.1:3", "http://127.0.0.1:4"], route.Endpoints);
        Assert.True(route.ReplyTo.IsNobody());
        Assert.Equal(new EndpointDown("web", "web-v2", "http://127.0.0.1:4"), replay[3]);
    }
}
