using Engine.Apps;
using Engine.Containers;
using Engine.Deployments;

namespace Engine.Tests.Apps;

public sealed class AppStateTests
{
    [Fact]
    public void The_last_five_successful_releases_and_the_routed_one_keep_their_images()
    {
        var state = new AppState("app");
        var now = DateTimeOffset.UtcNow;
        foreach (var v in Enumerable.Range(1, 8))
            state = state.Apply(new DeploymentQueued("app", $"app-v{v}", v, "x.tar", new Dictionary<string, string>(), now));
        foreach (var v in Enumerable.Range(1, 7))
            state = state.Apply(new DeploymentEnded("app", $"app-v{v}", v == 4 ? DeploymentStatus.HookError : DeploymentStatus.Success, now));
        state = state.Apply(new DeploymentRouted("app", "app-v1", 1, new List<ContainerSpec>(), now)); // e.g. a later rollback

        // v8 is in flight; v4 failed; of v1–v3, v5–v7 the last five successful are v2, v3, v5, v6, v7; v1 is routed.
        Assert.Equal(["app-v4"], state.ImagesToDrop(5).Order());
        // Keeping three: v5–v7, and v1 because it is routed.
        Assert.Equal(["app-v2", "app-v3", "app-v4"], state.ImagesToDrop(3).Order());
    }

    private static readonly DateTimeOffset At = DateTimeOffset.Parse("2026-11-28T12:00:00Z");

    [Fact]
    public void A_repeated_upload_finds_the_deployment_its_key_made_among_the_recent_ones()
    {
        var state = new AppState("app");
        CreateDeployment Upload(string? key) => new("app", "x.tar", IdempotencyKey: key);
        state = state.Apply(state.DecideDeployment(Upload("k1"), At));
        state = state.Apply(state.DecideDeployment(Upload(null), At));
        Assert.Equal("app-v1", state.Repeated(Upload("k1"))?.Id);
        Assert.Null(state.Repeated(Upload("k2")));
        Assert.Null(state.Repeated(Upload(null)));
        // Only recent keys are looked for.
        foreach (var _ in Enumerable.Range(0, AppState.RecentKeys)) state = state.Apply(state.DecideDeployment(Upload(null), At));
        Assert.Null(state.Repeated(Upload("k1")));
    }

    [Fact]
    public void Container_restarts_are_counted_per_deployment_and_slot_with_the_last_exit_code()
    {
        var state = new[]
        {
            new ContainerRestarted("a", "a-v1", "web-1", 137, At),
            new ContainerRestarted("a", "a-v1", "web-1", 1, At),
            new ContainerRestarted("a", "a-v1", "worker-1", null, At),
        }.Aggregate(new AppState("a"), (s, e) => s.Apply(e));

        Assert.Equal(new SlotRestarts(2, 1), state.Restarts[AppState.RestartKey("a-v1", "web-1")]);
        Assert.Equal(new SlotRestarts(1, null), state.Restarts[AppState.RestartKey("a-v1", "worker-1")]);
        Assert.False(state.Restarts.ContainsKey(AppState.RestartKey("a-v2", "web-1")));
    }
}
