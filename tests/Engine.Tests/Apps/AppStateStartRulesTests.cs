using Engine.Apps;
using Engine.Protocol;

namespace Engine.Tests.Apps;

/// <summary>The app's "may this start now" rules, as pure functions of its record and what is under way.</summary>
public sealed class AppStateStartRulesTests
{
    private static readonly DateTimeOffset At = DateTimeOffset.Parse("2026-11-28T12:00:00Z");

    private static AppState Queued(int versions)
    {
        var state = new AppState("app");
        foreach (var _ in Enumerable.Range(0, versions)) state = state.Apply(state.DecideDeployment(new CreateDeployment("app", "x.tar"), At));
        return state;
    }

    private static AppState Routed(AppState state, string id) =>
        state.Apply(new DeploymentEnded("app", id, DeploymentStatus.Success, At, At))
            .Apply(new DeploymentRouted("app", id, 1, [ContainerSpec.For("app", id, "v1", "img", "web", 1, "serve", new Dictionary<string, string>(), 5000)], At, [new ProcessType("web", "serve")]));

    [Fact]
    public void The_oldest_pending_deployment_starts_once_the_running_one_ended_and_no_restart_is_under_way()
    {
        var state = Queued(2);
        Assert.Equal("app-v1", state.NextToStart(running: null, restarting: false)?.Id);
        Assert.Null(state.NextToStart(running: "app-v1", restarting: false));
        Assert.Null(state.NextToStart(running: null, restarting: true));
        state = state.Apply(new DeploymentEnded("app", "app-v1", DeploymentStatus.Success, At, At));
        Assert.Equal("app-v2", state.NextToStart(running: "app-v1", restarting: false)?.Id);
        state = state.Apply(new DeploymentEnded("app", "app-v2", DeploymentStatus.Success, At, At));
        Assert.Null(state.NextToStart(running: "app-v2", restarting: false));
    }

    [Fact]
    public void A_restart_needs_a_routed_release_and_nothing_else_under_way()
    {
        Assert.Contains("no routed release", new AppState("app").RefuseRestart(false)!.Error);
        var state = Routed(Queued(1), "app-v1");
        Assert.Null(state.RefuseRestart(false));
        Assert.True(state.RefuseRestart(true)!.Conflict);
        Assert.Contains("under way", Queued(1).Apply(new DeploymentRouted("app", "app-v1", 1, [], At, [])).RefuseRestart(false)!.Error);
    }

    [Fact]
    public void Only_a_deployment_that_has_not_ended_can_be_canceled()
    {
        var state = Queued(1);
        Assert.Null(state.RefuseCancel("app-v1"));
        Assert.True(state.RefuseCancel("app-v9")!.NotFound);
        Assert.Contains("already ended as success", Routed(state, "app-v1").RefuseCancel("app-v1")!.Error);
    }

    [Fact]
    public void A_scale_waits_for_the_one_under_way_and_lost_containers_for_any_scale_or_deployment()
    {
        var state = Routed(Queued(1), "app-v1");
        var scale = new ScaleApp("app", new Dictionary<string, int> { ["web"] = 2 });
        Assert.NotNull(state.DecideScale(scale, At, scaleUnderWay: false, out _));
        Assert.Null(state.DecideScale(scale, At, scaleUnderWay: true, out var refusal));
        Assert.Contains("a scale of 'app' is under way", refusal!.Error);
        var keep = state.Routed!.Containers;
        Assert.True(state.MayReplaceLost(scaleUnderWay: false, keep));
        Assert.False(state.MayReplaceLost(scaleUnderWay: true, keep));
        Assert.False(state.Apply(state.DecideDeployment(new CreateDeployment("app", "x.tar"), At)).MayReplaceLost(scaleUnderWay: false, keep));
        // Those to keep were the routed release's when the keeper looked; a release routed since is not theirs.
        Assert.False(Routed(state.Apply(state.DecideDeployment(new CreateDeployment("app", "x.tar"), At)), "app-v2")
            .MayReplaceLost(scaleUnderWay: false, keep));
    }
}
