using Engine.Deployments;
using Engine.Protocol;

namespace Engine.Tests.Deployments;

/// <summary>The pure guards: a message acts only while it still fits the deployment's state.</summary>
public sealed class DeploymentGuardTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-11-26T12:00:00Z");

    private static DeploymentState Through(params IDeploymentCommand[] commands) => commands.Aggregate(
        new DeploymentState().Apply(new DeploymentCreated("app", "app-v2", 2, "/tmp/a.tar", new Dictionary<string, string>(), Now)),
        (s, c) => s.Decide(c, Now).Aggregate(s, (st, e) => st.Apply(e)));

    private static readonly IDeploymentCommand[] ToHook =
        [StartDeployment.Instance, new BuildSucceeded("img", [new("web", "serve"), new("postdeploy", "migrate")]), new ContainersPlaced([new("web", 1, "", "", 1)]), new ContainersUp([])];

    private static readonly IDeploymentCommand[] ToSwitching = [.. ToHook, HookSucceeded.Instance];

    [Fact]
    public void A_promote_publishes_only_its_own_route_and_only_while_switching()
    {
        Assert.False(Through(ToHook).MayPublishRoute(new DeploymentPromoted("app-v2")));
        Assert.True(Through(ToSwitching).MayPublishRoute(new DeploymentPromoted("app-v2")));
        Assert.False(Through(ToSwitching).MayPublishRoute(new DeploymentPromoted("app-v1")));
        var done = Through([.. ToSwitching, new RouteSwitched("app", "app-v2"), new ContainersRemoved(1)]);
        Assert.Equal("success", done.Status);
        Assert.False(done.MayPublishRoute(new DeploymentPromoted("app-v2")));
    }

    [Fact]
    public void A_drain_removes_other_versions_only_while_switching_with_the_route_held()
    {
        var drained = new RouteDrained("app", "app-v2");
        Assert.False(Through(ToSwitching).MayRemoveOthers(drained));
        var routed = Through([.. ToSwitching, new RouteSwitched("app", "app-v2")]);
        Assert.True(routed.MayRemoveOthers(drained));
        Assert.False(routed.MayRemoveOthers(new RouteDrained("app", "app-v1")));
        Assert.False(Through([.. ToSwitching, new RouteSwitched("app", "app-v2"), new ContainersRemoved(1)]).MayRemoveOthers(drained));
        // Another deployment's switch does not count as this one's.
        Assert.False(Through([.. ToSwitching, new RouteSwitched("app", "app-v1")]).Routed);
    }

    [Fact]
    public void After_a_restart_a_hook_is_re_attached_and_only_a_lost_one_aborts()
    {
        var hook = Through(ToHook);
        Assert.Equal(RecoveryStep.AttachHook, hook.AfterRecovery);
        Assert.Empty(hook.Decide(RecoveredInFlight.Instance, Now));
        var lost = Assert.IsType<DeploymentFailed>(Assert.Single(hook.Decide(new HookLost("gone"), Now)));
        Assert.Equal(("aborted", "gone"), (lost.Status, lost.Error));
        Assert.Equal(RecoveryStep.Abort, Through(StartDeployment.Instance).AfterRecovery);
        Assert.Equal(RecoveryStep.ResumeSwitch, Through(ToSwitching).AfterRecovery);
        Assert.Equal(RecoveryStep.None, Through().AfterRecovery);
    }
}
