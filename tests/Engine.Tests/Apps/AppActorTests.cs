using Akka.Actor;
using Engine.Apps;
using Engine.Deployments;
using Engine.Tests.Support;
using Engine.Protocol;

namespace Engine.Tests.Apps;

/// <summary>The app actor's queue against the fake runtime and the in-memory journal.</summary>
public sealed class AppActorTests : EngineTestKit
{
    public AppActorTests() => Runtime.HookBlocks = true;

    private static async Task<string> StatusOf(IActorRef app, string id) =>
        (await app.Ask<DeploymentView>(new GetDeployment("app", id), Patience)).Status;

    [Fact]
    public async Task Deployments_of_one_app_run_one_at_a_time_and_a_stopped_one_does_not_block_the_queue()
    {
        var router = CreateTestProbe();
        var app = Sys.ActorOf(AppActor.Props("app", Settings, Workers, router.Ref));
        var hook = "web: serve\npostdeploy: migrate\n";

        app.Tell(new CreateDeployment("app", SourceTar.WriteArchive(DataDir, hook)));
        Assert.Equal(("app-v1", "v1"), ExpectMsg<DeploymentView>(Patience) is var v1 ? (v1.Id, v1.Version) : default);
        router.ExpectMsg<AppKnown>(Patience); // once the app registered itself
        Assert.Null(router.ExpectMsg<AppMaintenance>(Patience).Mode); // and is in no maintenance
        await AwaitConditionAsync(async () => await StatusOf(app, "app-v1") == "running-hook", Patience);

        app.Tell(new CreateDeployment("app", SourceTar.WriteArchive(DataDir, "web: serve\n")));
        Assert.Equal("queued", ExpectMsg<DeploymentView>(Patience).Status);
        Assert.Equal("queued", await StatusOf(app, "app-v2"));

        // The running deployment's actor dies: the app recovers it, it ends as aborted, and the queue moves on.
        // (Only v2 is queried until then: a query would also bring v1's actor back.)
        // Its hook container is gone too, so the recovered one cannot re-attach to it.
        Runtime.RemoveWhere(c => c.Type == "postdeploy");
        Sys.ActorSelection(app.Path / DeploymentActor.NameFor("app-v1")).Tell(PoisonPill.Instance);

        // v2 runs without a hook, so the app itself promotes it and the router is told to switch to it.
        var route = router.ExpectMsg<SwitchRoute>(Patience);
        Assert.Equal(("app-v2", "v2"), (route.DeploymentId, route.Version));
        Assert.Equal("aborted", await StatusOf(app, "app-v1"));
        Assert.Equal("v2", (await app.Ask<AppView>(new GetApp("app"), Patience)).RoutedVersion);

        route.ReplyTo.Tell(new RouteSwitched("app", "app-v2"));
        route.ReplyTo.Tell(new RouteDrained("app", "app-v2"));
        await AwaitConditionAsync(async () => await StatusOf(app, "app-v2") == "success", Patience);
    }

    [Fact]
    public async Task The_app_promotes_only_the_deployment_that_runs_now()
    {
        var router = CreateTestProbe();
        var app = Sys.ActorOf(AppActor.Props("app", Settings, Workers, router.Ref));

        app.Tell(new CreateDeployment("app", SourceTar.WriteArchive(DataDir, "web: serve\n")));
        ExpectMsg<DeploymentView>(Patience);
        router.ExpectMsg<AppKnown>(Patience); // once the app registered itself
        Assert.Null(router.ExpectMsg<AppMaintenance>(Patience).Mode); // and is in no maintenance
        Assert.Equal("deployment 'app-v9' not found", RefusalOf(app, "app-v9"));
        var route = router.ExpectMsg<SwitchRoute>(Patience);
        route.ReplyTo.Tell(new RouteSwitched("app", "app-v1"));
        route.ReplyTo.Tell(new RouteDrained("app", "app-v1"));
        await AwaitConditionAsync(async () => await StatusOf(app, "app-v1") == "success", Patience);
        Assert.Contains("already ended", RefusalOf(app, "app-v1"));

        app.Tell(new CreateDeployment("app", SourceTar.WriteArchive(DataDir, "web: serve\npostdeploy: migrate\n")));
        ExpectMsg<DeploymentView>(Patience);
        await AwaitConditionAsync(async () => await StatusOf(app, "app-v2") == "running-hook", Patience);
        app.Tell(new CreateDeployment("app", SourceTar.WriteArchive(DataDir, "web: serve\n")));
        ExpectMsg<DeploymentView>(Patience);
        Assert.Contains("not the one running", RefusalOf(app, "app-v3"));

        router.ExpectNoMsg(TimeSpan.FromMilliseconds(500));
        Assert.Equal("v1", (await app.Ask<AppView>(new GetApp("app"), Patience)).RoutedVersion);
    }

    private string RefusalOf(IActorRef app, string id)
    {
        app.Tell(new PromoteDeployment(id, 9, [], []));
        return ExpectMsg<AppError>(Patience).Error;
    }
}
