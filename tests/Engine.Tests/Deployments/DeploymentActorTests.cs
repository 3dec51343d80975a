using Akka.Actor;
using Engine.Apps;
using Engine.Deployments;
using Engine.Routing;
using Engine.Tests.Support;

namespace Engine.Tests.Deployments;

/// <summary>The deployment actor against the fake runtime and the in-memory journal.</summary>
public sealed class DeploymentActorTests : EngineTestKit
{

    /// <summary>Stands in for the app actor: the deployment's messages to its parent reach the test actor.</summary>
    private sealed class StepParent : ReceiveActor
    {
        public StepParent(Props child, IActorRef probe)
        {
            var c = Context.ActorOf(child, "child");
            ReceiveAny(m => { if (Sender.Equals(c)) probe.Forward(m); else c.Forward(m); });
        }
    }

    private DeploymentCreated Init(string procfile, bool dockerfile = true) =>
        new("app", "app-v1", 1, SourceTar.WriteArchive(DataDir, procfile, dockerfile),
            new Dictionary<string, string> { ["FOO"] = "bar" }, DateTimeOffset.UtcNow);

    private IActorRef Spawn(DeploymentCreated init, IActorRef router) =>
        Sys.ActorOf(Props.Create(() => new StepParent(DeploymentActor.Props(init, Settings, Runtime, router), TestActor)));

    private static async Task<DeploymentView> ViewOf(IActorRef parent) =>
        await parent.Ask<DeploymentView>(GetDeploymentView.Instance, Patience);

    [Fact]
    public async Task Traffic_moves_only_after_the_hook_succeeded_and_the_app_promoted_the_deployment()
    {
        var router = CreateTestProbe();
        var parent = Spawn(Init("web: serve\npostdeploy: migrate\n"), router);
        parent.Tell(StartDeployment.Instance);

        var promote = ExpectMsg<PromoteDeployment>(Patience);
        Assert.Contains(Runtime.Started, s => s.Type == "postdeploy" && s.Command == "migrate" && s.Env["FOO"] == "bar");
        router.ExpectNoMsg(TimeSpan.FromMilliseconds(500)); // the router is not told before the app promoted the deployment
        Assert.Equal("switching", (await ViewOf(parent)).Status);

        parent.Tell(new DeploymentPromoted(promote.DeploymentId));
        var route = router.ExpectMsg<SwitchRoute>(Patience);
        var web = Assert.Single(promote.Containers, c => c.Type == "web");
        Assert.Equal([$"http://127.0.0.1:{web.Port}"], route.Endpoints);
        route.ReplyTo.Tell(new RouteSwitched("app", "app-v1"));
        route.ReplyTo.Tell(new RouteDrained("app", "app-v1"));

        Assert.Equal("success", ExpectMsg<DeploymentFinished>(Patience).Status);
        Assert.Equal(["app-v1-web-1"], Runtime.Live.Select(c => c.Name));
        Assert.Contains("-----> running-hook", File.ReadAllText(Settings.LogPath("app-v1")));
    }

    [Fact]
    public async Task A_traffic_switch_that_stalls_runs_its_steps_again()
    {
        Settings.SwitchRetry = TimeSpan.FromMilliseconds(300);
        var parent = Spawn(Init("web: serve\n"), CreateTestProbe());
        parent.Tell(StartDeployment.Instance);

        var first = ExpectMsg<PromoteDeployment>(Patience);
        // The app's answer never comes: the deployment asks again rather than staying in switching for good.
        var again = ExpectMsg<PromoteDeployment>(Patience);
        Assert.Equal(first.DeploymentId, again.DeploymentId);
        Assert.Equal("switching", (await ViewOf(parent)).Status);
    }

    [Fact]
    public async Task A_failing_hook_never_reaches_the_router_and_removes_the_new_containers()
    {
        Runtime.HookExitCode = 3;
        var router = CreateTestProbe();
        var parent = Spawn(Init("web: serve\nworker: work\npostdeploy: migrate\n"), router);
        parent.Tell(StartDeployment.Instance);

        var finished = ExpectMsg<DeploymentFinished>(Patience);
        Assert.Equal("hook-error", finished.Status);
        Assert.Contains("exited with code 3", (await ViewOf(parent)).Error);
        router.ExpectNoMsg(TimeSpan.FromMilliseconds(500));
        Assert.Empty(Runtime.Live);
    }

    [Fact]
    public void A_missing_Dockerfile_ends_as_build_error_before_any_container_starts()
    {
        var parent = Spawn(Init("web: serve\n", dockerfile: false), CreateTestProbe());
        parent.Tell(StartDeployment.Instance);
        Assert.Equal("build-error", ExpectMsg<DeploymentFinished>(Patience).Status);
        Assert.Empty(Runtime.Started);
    }

    [Fact]
    public async Task Recovered_mid_hook_it_aborts_with_a_reason_and_cleans_up_its_containers()
    {
        Runtime.HookBlocks = true;
        var init = Init("web: serve\npostdeploy: migrate\n");
        var first = Spawn(init, CreateTestProbe());
        first.Tell(StartDeployment.Instance);
        await AwaitConditionAsync(async () => (await ViewOf(first)).Status == "running-hook", Patience);

        Watch(first);
        Sys.Stop(first);
        ExpectTerminated(first, Patience);
        Assert.NotEmpty(Runtime.Live);

        var second = Spawn(init, CreateTestProbe());
        Assert.Equal("aborted", ExpectMsg<DeploymentFinished>(Patience).Status);
        var view = await ViewOf(second);
        Assert.Contains("node restarted while the deployment was running-hook", view.Error);
        AwaitCondition(() => Runtime.Live.Count == 0, Patience);
    }
}
