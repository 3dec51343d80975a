using Akka.Actor;
using Engine.Deployments;
using Engine.Tests.Support;
using Engine.Protocol;

namespace Engine.Tests.Deployments;

/// <summary>The deployment actor against the fake runtime and the in-memory journal.</summary>
public sealed class DeploymentActorTests : EngineTestKit
{


    private DeploymentCreated Init(string procfile, bool dockerfile = true) =>
        new("app", "app-v1", 1, SourceTar.WriteArchive(DataDir, procfile, dockerfile),
            new Dictionary<string, string> { ["FOO"] = "bar" }, DateTimeOffset.UtcNow);

    private IActorRef Spawn(DeploymentCreated init, IActorRef router) =>
        Sys.ActorOf(Props.Create(() => new StepParent(DeploymentActor.Props(init, Settings, Workers, router), TestActor)));

    private static async Task<DeploymentView> ViewOf(IActorRef parent) =>
        await parent.Ask<DeploymentView>(GetDeploymentView.Instance, Patience);

    /// <summary>The deployment is the only one that tells the router, and a local send is queued at once: once it has
    /// answered something sent after a step, what that step told the router is already in the probe's queue. So a mark
    /// sent now must be the next message the router gets; a route told it, however late before now, comes first.</summary>
    private static void AssertRouterToldNothingYet(Akka.TestKit.TestProbe router)
    {
        var mark = $"mark-{Guid.NewGuid():N}";
        router.Ref.Tell(mark);
        router.ExpectMsg(mark, Patience);
    }

    /// <summary>An ended deployment's last message to its parent: the request to passivate it once idle. Nothing it
    /// told the parent before may come in its place, and whatever it told the router before is queued by then.</summary>
    private void ExpectPassivation() => Assert.Equal("app-v1", ExpectMsg<PassivateDeployment>(Patience).DeploymentId);

    [Fact]
    public async Task Traffic_moves_only_after_the_hook_succeeded_and_the_app_promoted_the_deployment()
    {
        var router = CreateTestProbe();
        var parent = Spawn(Init("web: serve\npostdeploy: migrate\n"), router);
        parent.Tell(StartDeployment.Instance);

        var promote = ExpectMsg<PromoteDeployment>(Patience);
        Assert.Contains(Runtime.Started, s => s.Type == "postdeploy" && s.Command == "migrate" && s.Env["FOO"] == "bar");
        Assert.Equal("switching", (await ViewOf(parent)).Status);
        AssertRouterToldNothingYet(router); // the router is not told before the app promoted the deployment

        parent.Tell(new DeploymentPromoted(promote.DeploymentId));
        var route = router.ExpectMsg<SwitchRoute>(Patience);
        var web = Assert.Single(promote.Containers, c => c.Type == "web");
        Assert.Equal([$"http://127.0.0.1:{web.Port}"], route.Endpoints);
        route.ReplyTo.Tell(new RouteSwitched("app", "app-v1"));
        route.ReplyTo.Tell(new RouteDrained("app", "app-v1"));

        Assert.Equal("success", ExpectMsg<DeploymentFinished>(Patience).Status);
        ExpectPassivation();
        AssertRouterToldNothingYet(router); // one route, once
        Assert.Equal(["app-v1-web-1"], Runtime.Live.Select(c => c.Name));
        await LogHolding("app-v1", "-----> running-hook");
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
        ExpectPassivation();
        AssertRouterToldNothingYet(router);
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

    /// <summary>Runs a deployment up to running-hook with a blocking hook, then stops its actor like a node restart.</summary>
    private async Task<DeploymentCreated> StoppedDuringHook()
    {
        Runtime.HookBlocks = true;
        var init = Init("web: serve\npostdeploy: migrate\n");
        var first = Spawn(init, CreateTestProbe());
        first.Tell(StartDeployment.Instance);
        await AwaitConditionAsync(async () => (await ViewOf(first)).Status == "running-hook", Patience);
        Watch(first);
        Sys.Stop(first);
        ExpectTerminated(first, Patience);
        // The hook container outlives the node: its exit code is not journaled yet.
        Assert.Contains(Runtime.Live, c => c.Type == "postdeploy");
        Runtime.HookBlocks = false;
        return init;
    }

    [Fact]
    public async Task Recovered_mid_hook_it_re_attaches_to_the_finished_hook_and_carries_on_to_the_switch()
    {
        var init = await StoppedDuringHook();
        Runtime.HookExitCode = 0;

        var second = Spawn(init, CreateTestProbe());
        Assert.Equal("app-v1", ExpectMsg<PromoteDeployment>(Patience).DeploymentId);
        Assert.Equal("switching", (await ViewOf(second)).Status);
        await LogHolding("app-v1", "re-attached");
        // The outcome is journaled: now the hook container goes, the web one stays.
        AwaitCondition(() => Runtime.Live.All(c => c.Type != "postdeploy"), Patience);
        Assert.Contains(Runtime.Live, c => c.Type == "web");
    }

    [Fact]
    public async Task Recovered_mid_hook_whose_hook_failed_meanwhile_it_ends_as_hook_error()
    {
        var init = await StoppedDuringHook();
        Runtime.HookExitCode = 3;

        var second = Spawn(init, CreateTestProbe());
        Assert.Equal("hook-error", ExpectMsg<DeploymentFinished>(Patience).Status);
        Assert.Contains("exited with code 3", (await ViewOf(second)).Error);
        Assert.Empty(Runtime.Live);
    }

    [Fact]
    public async Task Recovered_mid_hook_without_its_container_it_aborts_with_a_reason_and_cleans_up()
    {
        var init = await StoppedDuringHook();
        Runtime.RemoveWhere(c => c.Type == "postdeploy");

        var second = Spawn(init, CreateTestProbe());
        Assert.Equal("aborted", ExpectMsg<DeploymentFinished>(Patience).Status);
        Assert.Contains("restarted during the postdeploy hook and its container is gone", (await ViewOf(second)).Error);
        AwaitCondition(() => Runtime.Live.Count == 0, Patience);
    }

    /// <summary>Runs a hook-less deployment of app-v1 to success; returns its parent and the router probe.</summary>
    private (IActorRef Parent, Akka.TestKit.TestProbe Router) Succeeded()
    {
        var router = CreateTestProbe();
        var parent = Spawn(Init("web: serve\n"), router);
        parent.Tell(StartDeployment.Instance);
        parent.Tell(new DeploymentPromoted(ExpectMsg<PromoteDeployment>(Patience).DeploymentId));
        var route = router.ExpectMsg<SwitchRoute>(Patience);
        route.ReplyTo.Tell(new RouteSwitched("app", "app-v1"));
        route.ReplyTo.Tell(new RouteDrained("app", "app-v1"));
        Assert.Equal("success", ExpectMsg<DeploymentFinished>(Patience).Status);
        return (parent, router);
    }

    private async Task<ContainerSpec> StartNextVersionContainer()
    {
        var next = ContainerSpec.For("app", "app-v2", "v2", "img", "web", 1, "serve", new Dictionary<string, string>(), null);
        await Runtime.RunAsync(next, restartAlways: true, CancellationToken.None);
        return next;
    }

    [Fact]
    public async Task A_late_RouteDrained_to_a_finished_deployment_removes_nothing()
    {
        var (parent, _) = Succeeded();
        var next = await StartNextVersionContainer();

        // It ignores the drain, and says so, where it would otherwise start the removal.
        EventFilter.Warning(contains: "app-v1 ignores a late RouteDrained for app-v1 while success")
            .ExpectOne(Patience, () => parent.Tell(new RouteDrained("app", "app-v1")));
        ExpectPassivation();
        Assert.Contains(Runtime.Live, c => c.DeploymentId == next.DeploymentId);
        Assert.Contains(Runtime.Live, c => c.DeploymentId == "app-v1" && c.Type == "web");
    }

    [Fact]
    public async Task A_late_promote_to_a_finished_deployment_publishes_no_route()
    {
        var (parent, router) = Succeeded();
        EventFilter.Warning(contains: "app-v1 ignores a late DeploymentPromoted for app-v1 while success")
            .ExpectOne(Patience, () => parent.Tell(new DeploymentPromoted("app-v1")));
        Assert.Equal("success", (await ViewOf(parent)).Status);
        ExpectPassivation();
        AssertRouterToldNothingYet(router);
    }

    [Fact]
    public async Task While_switching_only_its_own_drain_and_promote_count()
    {
        var router = CreateTestProbe();
        var parent = Spawn(Init("web: serve\n"), router);
        parent.Tell(StartDeployment.Instance);
        ExpectMsg<PromoteDeployment>(Patience);
        var other = await StartNextVersionContainer();

        EventFilter.Warning(contains: "app-v1 ignores a late DeploymentPromoted for app-v7 while switching")
            .ExpectOne(Patience, () => parent.Tell(new DeploymentPromoted("app-v7")));
        // Not routed yet: a drain, even its own, must not remove anything.
        EventFilter.Warning(contains: "app-v1 ignores a late RouteDrained for ").Expect(2, Patience, () =>
        {
            parent.Tell(new RouteDrained("app", "app-v1"));
            parent.Tell(new RouteDrained("app", "app-v7"));
        });
        Assert.Contains(Runtime.Live, c => c.DeploymentId == other.DeploymentId);
        Assert.Equal("switching", (await ViewOf(parent)).Status);
        AssertRouterToldNothingYet(router);
    }
}
