using Engine.Apps;
using Engine.Protocol;

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
            state = state.Apply(new DeploymentEnded("app", $"app-v{v}", v == 4 ? DeploymentStatus.HookError : DeploymentStatus.Success, now, now));
        state = state.Apply(new DeploymentRouted("app", "app-v1", 1, new List<ContainerSpec>(), now, [])); // e.g. a later rollback

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

        Assert.Equal(new SlotRevivals(2, 1), state.Restarts[AppState.RevivalKey("a-v1", "web-1")]);
        Assert.Equal(new SlotRevivals(1, null), state.Restarts[AppState.RevivalKey("a-v1", "worker-1")]);
        Assert.False(state.Restarts.ContainsKey(AppState.RevivalKey("a-v2", "web-1")));
    }

    [Fact]
    public void A_scale_before_the_first_release_is_a_conflict_that_says_to_deploy_first()
    {
        var scale = new ScaleApp("a", new Dictionary<string, int> { ["web"] = 100, ["anything"] = 100 });
        var fresh = new AppState("a").Apply(new EnvChanged("a", new Dictionary<string, string> { ["A"] = "1" }, [], At));
        Assert.Null(fresh.DecideScale(scale, At, out var refusal));
        Assert.Equal(new AppError("a has no release yet: deploy it first; the release's Procfile says which process types exist",
            Conflict: true), refusal);

        // The first deployment failed: still no release. While one runs: wait for it, as with a routed release.
        var failed = fresh.Apply(new DeploymentQueued("a", "a-v1", 1, "x.tar", new Dictionary<string, string>(), At))
            .Apply(new DeploymentEnded("a", "a-v1", DeploymentStatus.BuildError, At, At));
        Assert.Null(failed.DecideScale(scale, At, out refusal));
        Assert.True(refusal!.Conflict);
        var running = failed.Apply(new DeploymentQueued("a", "a-v2", 2, "x.tar", new Dictionary<string, string>(), At));
        Assert.Null(running.DecideScale(scale, At, out refusal));
        Assert.StartsWith("deployment a-v2 is in progress", refusal!.Error);

        var routed = failed.Apply(new DeploymentRouted("a", "a-v1", 1,
            [ContainerSpec.For("a", "a-v1", "v1", "img", "web", 1, "serve", new Dictionary<string, string>(), 5000)], At, [new ProcessType("web", "serve")]));
        Assert.Equal(new Dictionary<string, int> { ["web"] = 2 },
            routed.DecideScale(new ScaleApp("a", new Dictionary<string, int> { ["web"] = 2 }), At, out refusal)!.Set);
        Assert.Null(refusal);
    }
}
