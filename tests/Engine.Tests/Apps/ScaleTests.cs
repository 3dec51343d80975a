using Akka.Actor;
using Engine.Apps;
using Engine.Tests.Support;
using Engine.Protocol;

namespace Engine.Tests.Apps;

/// <summary>`engine scale` against the fake runtime: the formation is journaled, applied to the routed release at once,
/// and taken by later deployments.</summary>
public sealed class ScaleTests : EngineTestKit
{
    private (IActorRef App, Akka.TestKit.TestProbe Router) DeployedApp(string procfile)
    {
        var router = CreateTestProbe();
        var app = Sys.ActorOf(AppActor.Props("app", Settings, Workers, router.Ref));
        app.Tell(new CreateDeployment("app", SourceTar.WriteArchive(DataDir, procfile)));
        ExpectMsg<DeploymentView>(Patience);
        router.ExpectMsg<AppKnown>(Patience); // once the app registered itself
        Assert.Null(router.ExpectMsg<AppMaintenance>(Patience).Mode); // and is in no maintenance
        var routed = router.ExpectMsg<SwitchRoute>(Patience);
        routed.ReplyTo.Tell(new RouteSwitched("app", routed.DeploymentId));
        routed.ReplyTo.Tell(new RouteDrained("app", routed.DeploymentId));
        AwaitCondition(() => app.Ask<DeploymentView>(new GetDeployment("app", "app-v1"), Patience).Result.Status == "success", Patience);
        return (app, router);
    }

    [Fact]
    public void Scaling_up_routes_the_new_containers_once_up_and_scaling_down_removes_them_after_the_route_drained()
    {
        var (app, router) = DeployedApp("web: serve\nclock: tick\n");
        Assert.Equal(["clock-1", "web-1"], Runtime.Live.Select(c => c.Slot).Order());

        app.Tell(new ScaleApp("app", new Dictionary<string, int> { ["web"] = 3, ["clock"] = 0 }));
        Assert.Equal(new Dictionary<string, int> { ["web"] = 3, ["clock"] = 0 }, ExpectMsg<FormationView>(Patience).Formation);
        var up = router.ExpectMsg<SwitchRoute>(Patience);
        Assert.Equal(3, up.Endpoints.Count);
        Assert.Equal(3, Runtime.Live.Count(c => c.Type == "web")); // started before they joined the route
        // clock-1 left the formation: it goes once the route drained (web-1's stays).
        Assert.Contains(Runtime.Live, c => c.Slot == "clock-1");
        up.ReplyTo.Tell(new RouteDrained("app", up.DeploymentId));
        AwaitCondition(() => Runtime.Live.All(c => c.Type == "web"), Patience);

        app.Tell(new ScaleApp("app", new Dictionary<string, int> { ["web"] = 1 }));
        ExpectMsg<FormationView>(Patience);
        var down = router.ExpectMsg<SwitchRoute>(Patience);
        Assert.Equal([up.Endpoints[0]], down.Endpoints);
        Assert.Equal(3, Runtime.Live.Count); // still there until no request is in flight to them
        down.ReplyTo.Tell(new RouteDrained("app", down.DeploymentId));
        AwaitCondition(() => Runtime.Live.Select(c => c.Slot).SequenceEqual(["web-1"]), Patience);

        // The next deployment starts the formation.
        app.Tell(new ScaleApp("app", new Dictionary<string, int> { ["web"] = 2 }));
        ExpectMsg<FormationView>(Patience);
        router.ExpectMsg<SwitchRoute>(Patience);
        app.Tell(new CreateDeployment("app", SourceTar.WriteArchive(DataDir, "web: serve\nclock: tick\n")));
        ExpectMsg<DeploymentView>(Patience);
        var v2 = router.FishForMessage<SwitchRoute>(s => s.DeploymentId == "app-v2", Patience);
        Assert.Equal(2, v2.Endpoints.Count);
        AwaitCondition(() => Runtime.Live.Count(c => c.DeploymentId == "app-v2") == 2, Patience); // web=2, clock=0
    }

    [Theory]
    [InlineData("web", -1, "web=-1: a count cannot be negative")]
    [InlineData("web", 0, "web=0 would leave the router nothing to serve: web runs at least one container")]
    [InlineData("web", 101, "web=101: at most 100 containers per process type")]
    [InlineData("postdeploy", 1, "postdeploy is the hook: it runs once per deployment and cannot be scaled")]
    [InlineData("clock", 1, "unknown process type 'clock': the routed release (v1) runs web")]
    [InlineData("we b", 1, "invalid process type 'we b' (use letters, digits, '-' or '_')")]
    public void A_bad_scale_is_refused_with_its_reason_and_changes_nothing(string type, int count, string error)
    {
        var (app, router) = DeployedApp("web: serve\n");
        app.Tell(new ScaleApp("app", new Dictionary<string, int> { [type] = count }));
        Assert.Equal(error, ExpectMsg<AppError>(Patience).Error);
        app.Tell(new GetFormation("app"));
        Assert.Equal(new Dictionary<string, int> { ["web"] = 1 }, ExpectMsg<FormationView>(Patience).Formation);
        router.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        Assert.Single(Runtime.Live);
    }
}
