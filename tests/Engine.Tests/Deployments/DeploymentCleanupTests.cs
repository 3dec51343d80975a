using Akka.Actor;
using Engine.Deployments;
using Engine.Tests.Support;
using Engine.Protocol;

namespace Engine.Tests.Deployments;

/// <summary>A final status is journaled only once Docker confirms the containers gone, or it names what is left.</summary>
public sealed class DeploymentCleanupTests : EngineTestKit
{

    private IActorRef Spawn(string procfile, IActorRef router)
    {
        var init = new DeploymentCreated("app", "app-v1", 1, SourceTar.WriteArchive(DataDir, procfile, true),
            new Dictionary<string, string>(), DateTimeOffset.UtcNow);
        return Sys.ActorOf(Props.Create(() => new StepParent(DeploymentActor.Props(init, Settings, Workers, router), TestActor)));
    }

    private async Task<DeploymentView> ViewOf(IActorRef parent) =>
        await parent.Ask<DeploymentView>(GetDeploymentView.Instance, Patience);

    [Fact]
    public async Task A_failure_is_journaled_only_after_a_retried_removal_succeeded()
    {
        Runtime.HookExitCode = 3;
        Runtime.FailRemovals = 2;
        var parent = Spawn("web: serve\npostdeploy: migrate\n", CreateTestProbe());
        parent.Tell(StartDeployment.Instance);

        Assert.Equal("hook-error", ExpectMsg<DeploymentFinished>(Patience).Status);
        Assert.Empty(Runtime.Live);
        Assert.True(Runtime.RemoveAttempts >= 3, $"{Runtime.RemoveAttempts} removal attempts");
        Assert.Equal("the postdeploy hook exited with code 3", (await ViewOf(parent)).Error);
    }

    [Fact]
    public async Task Containers_that_cannot_be_removed_are_named_in_the_final_error()
    {
        Settings.RemovalRetry = TimeSpan.FromSeconds(1);
        Runtime.HookExitCode = 3;
        Runtime.FailRemovals = int.MaxValue;
        var parent = Spawn("web: serve\npostdeploy: migrate\n", CreateTestProbe());
        parent.Tell(StartDeployment.Instance);

        Assert.Equal("hook-error", ExpectMsg<DeploymentFinished>(Patience).Status);
        var error = (await ViewOf(parent)).Error;
        Assert.StartsWith("the postdeploy hook exited with code 3; 1 container(s) could not be removed: app-v1-web-1", error);
        Assert.Single(Runtime.Live);
    }

    [Fact]
    public async Task A_switch_whose_old_containers_cannot_be_removed_does_not_succeed_until_they_are_gone()
    {
        Settings.RemovalRetry = TimeSpan.FromMilliseconds(500);
        Settings.SwitchRetry = TimeSpan.FromSeconds(3);
        var old = ContainerSpec.For("app", "app-v0", "v0", "img", "worker", 1, "work", new Dictionary<string, string>(), null);
        await Runtime.RunAsync(old, true, CancellationToken.None);
        var router = CreateTestProbe();
        var parent = Spawn("web: serve\n", router);
        parent.Tell(StartDeployment.Instance);

        void Switch(PromoteDeployment promote)
        {
            parent.Tell(new DeploymentPromoted(promote.DeploymentId));
            var route = router.ExpectMsg<SwitchRoute>(Patience);
            route.ReplyTo.Tell(new RouteSwitched("app", "app-v1"));
            route.ReplyTo.Tell(new RouteDrained("app", "app-v1"));
        }

        Runtime.FailRemovals = int.MaxValue;
        Switch(ExpectMsg<PromoteDeployment>(Patience));
        // Not DeploymentFinished: the watchdog runs the switch again because the old container is still there.
        var again = ExpectMsg<PromoteDeployment>(Patience);
        Runtime.FailRemovals = 0;
        Switch(again);
        Assert.Equal("success", ExpectMsg<DeploymentFinished>(Patience).Status);
        Assert.Equal(["app-v1-web-1"], Runtime.Live.Select(c => c.Name));
        await LogHolding("app-v1", "old containers remain: 1 container(s) could not be removed: app-v0-worker-1");
    }
}
