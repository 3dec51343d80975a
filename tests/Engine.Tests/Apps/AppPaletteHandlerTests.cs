using Akka.Actor;
using Engine.Apps;
using Engine.Tests.Support;
using Engine.Protocol;

namespace Engine.Tests.Apps;

/// <summary>The app actor's palette handlers (cancel, restart) against the fake runtime and the in-memory journal.</summary>
public sealed class AppPaletteHandlerTests : EngineTestKit
{
    public AppPaletteHandlerTests() => Runtime.HookBlocks = true;

    private async Task<(IActorRef App, Akka.TestKit.TestProbe Router)> RoutedV1()
    {
        var router = CreateTestProbe();
        var app = Sys.ActorOf(AppActor.Props("app", Settings, Workers, router.Ref));
        app.Tell(new CreateDeployment("app", SourceTar.WriteArchive(DataDir, "web: serve\nclock: tick\n")));
        ExpectMsg<DeploymentView>(Patience);
        router.ExpectMsg<AppKnown>(Patience); // once the app registered itself
        Assert.Null(router.ExpectMsg<AppMaintenance>(Patience).Mode); // and is in no maintenance
        var route = router.ExpectMsg<SwitchRoute>(Patience);
        route.ReplyTo.Tell(new RouteSwitched("app", "app-v1"));
        route.ReplyTo.Tell(new RouteDrained("app", "app-v1"));
        await AwaitConditionAsync(async () => (await app.Ask<DeploymentView>(new GetDeployment("app", "app-v1"), Patience)).Status == "success",
            Patience);
        return (app, router);
    }

    [Fact]
    public async Task A_cancel_answers_once_the_deployment_ended_aborted_with_its_containers_gone_and_refuses_what_has_ended()
    {
        var (app, _) = await RoutedV1();
        var v1 = Runtime.Live.Where(c => c.DeploymentId == "app-v1").Select(c => c.Slot).Order().ToList();
        app.Tell(new CreateDeployment("app", SourceTar.WriteArchive(DataDir, "web: serve\npostdeploy: migrate\n")));
        ExpectMsg<DeploymentView>(Patience);
        await AwaitConditionAsync(async () => (await app.Ask<DeploymentView>(new GetDeployment("app", "app-v2"), Patience)).Status == "running-hook",
            Patience);
        Assert.Contains(Runtime.Live, c => c.DeploymentId == "app-v2");

        app.Tell(new CancelDeployment("app", "app-v2", "alice"));
        var ended = ExpectMsg<DeploymentView>(Patience);
        Assert.Equal(("aborted", "canceled by alice while running-hook"), (ended.Status, ended.Error));
        Assert.DoesNotContain(Runtime.Live, c => c.DeploymentId == "app-v2");
        Assert.Equal(v1, Runtime.Live.Select(c => c.Slot).Order());
        Assert.Equal("v1", (await app.Ask<AppView>(new GetApp("app"), Patience)).RoutedVersion);

        foreach (var (id, why) in new[] { ("app-v2", "already ended as aborted"), ("app-v1", "already ended as success") })
        {
            app.Tell(new CancelDeployment("app", id, "alice"));
            var refused = ExpectMsg<AppError>(Patience);
            Assert.True(refused.Conflict && refused.Error.Contains(why), refused.Error);
        }
        app.Tell(new CancelDeployment("app", "app-v9", "alice"));
        Assert.True(ExpectMsg<AppError>(Patience).NotFound);
    }

    [Fact]
    public async Task A_restart_takes_each_web_container_out_of_the_route_and_replaces_it_only_once_drained()
    {
        var (app, router) = await RoutedV1();
        var started = Runtime.Started.Count;

        app.Tell(new RestartApp("app", "alice"));
        var down = router.ExpectMsg<EndpointDown>(Patience);
        Assert.NotNull(down.ReplyTo);
        // A deployment made meanwhile waits for the restart to end.
        app.Tell(new CreateDeployment("app", SourceTar.WriteArchive(DataDir, "web: serve\n")));
        Assert.Equal("queued", ExpectMsg<DeploymentView>(Patience).Status);
        // Nothing is replaced while requests may still be in flight to it.
        router.ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        Assert.Equal(started, Runtime.Started.Count);
        down.ReplyTo!.Tell(new RouteSwitched("app", "app-v1"));
        down.ReplyTo.Tell(new RouteDrained("app", "app-v1"));
        var up = router.ExpectMsg<EndpointUp>(Patience);
        Assert.Equal(down.Endpoint, up.Endpoint);

        var restarted = ExpectMsg<RestartedContainers>(Patience).Containers;
        Assert.Equal(["web-1", "clock-1"], restarted.Select(c => c.Name));
        Assert.Equal([("app-v1", "web-1"), ("app-v1", "clock-1")], Runtime.Started.Skip(started).Take(2).Select(c => (c.DeploymentId, c.Slot)));
        Assert.Equal("app-v2", router.ExpectMsg<SwitchRoute>(Patience).DeploymentId);

        // With no routed release there is nothing to restart.
        var empty = Sys.ActorOf(AppActor.Props("empty", Settings, Workers, CreateTestProbe().Ref));
        empty.Tell(new ChangeEnv("empty", new Dictionary<string, string> { ["A"] = "1" }, []));
        ExpectMsg<EnvView>(Patience);
        empty.Tell(new RestartApp("empty", "alice"));
        Assert.True(ExpectMsg<AppError>(Patience).Conflict);
    }
}
