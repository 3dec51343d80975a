using Engine.Apps;
using Engine.Protocol;

namespace Engine.Tests.Apps;

public sealed class AppReleasesTests
{
    private static readonly DateTimeOffset At = DateTimeOffset.Parse("2026-12-07T12:00:00Z");
    private static readonly IReadOnlyList<ProcessType> Procfile = [new("web", "serve"), new("postdeploy", "migrate")];

    private static string Image(int v) => $"engine-apps/app:v{v}-i";

    /// <summary>v1..v3 deployed, each with its own env (A=vN); v2's hook failed; v3 routed.</summary>
    private static AppState ThreeDeployments()
    {
        var state = new AppState("app");
        foreach (var v in Enumerable.Range(1, 3))
        {
            state = state.Apply(new DeploymentQueued("app", $"app-v{v}", v, "x.tar", new Dictionary<string, string> { ["A"] = $"v{v}" }, At));
            if (v == 2)
            {
                state = state.Apply(new DeploymentEnded("app", "app-v2", DeploymentStatus.HookError, At, At, "the hook failed"));
                continue;
            }
            state = state.Apply(new DeploymentRouted("app", $"app-v{v}", v,
                [ContainerSpec.For("app", $"app-v{v}", $"v{v}", Image(v), "web", 1, "serve", new Dictionary<string, string>(), 5000)], At, Procfile));
            state = state.Apply(new DeploymentEnded("app", $"app-v{v}", DeploymentStatus.Success, At, At));
        }
        return state.Apply(new EnvChanged("app", new Dictionary<string, string> { ["A"] = "today" }, [], At));
    }

    private static ImagesListed On(params int[] versions) =>
        new(versions.Select(v => new WorkerImage("w1", $"sha256:{v}", Image(v), $"app-v{v}")).ToList());

    [Fact]
    public void A_rollback_goes_to_the_release_before_the_routed_one_with_its_image_procfile_and_env()
    {
        var state = ThreeDeployments();
        var (queued, planned) = state.DecideRollback(new RollbackApp("app", null, SkipHook: false, CurrentEnv: false, "ops"), On(1, 3), 5, At, out var refusal)!.Value;
        Assert.Null(refusal);
        Assert.Equal(("app-v4", 4, "v1", "ops"), (queued.DeploymentId, queued.Version, queued.Env["A"], queued.By));
        Assert.Equal((1, "app-v1", Image(1), "w1"), (planned.RollbackOf, planned.SourceDeploymentId, planned.Image, planned.Holders.Single()));
        Assert.Equal(Procfile, planned.Processes);

        var current = state.DecideRollback(new RollbackApp("app", 1, false, CurrentEnv: true), On(1), 5, At, out _)!.Value;
        Assert.Equal("today", current.Queued.Env["A"]);
    }

    [Theory]
    [InlineData(9, "app has no version v9")]
    [InlineData(2, "v2 of app never succeeded (hook-error): only a successful release can be rolled back to")]
    [InlineData(3, "v3 is the routed release of app already")]
    [InlineData(1, "the image of v1 (engine-apps/app:v1-i) was pruned from every worker: the engine keeps the images of the last 5 releases (Engine:KeepReleases)")]
    public void A_rollback_to_a_missing_failed_routed_or_pruned_release_is_a_conflict_with_its_reason(int to, string reason)
    {
        Assert.Null(ThreeDeployments().DecideRollback(new RollbackApp("app", to, false, false), On(3), 5, At, out var refusal));
        Assert.Equal(new AppError(reason, Conflict: true), refusal);
    }

    [Fact]
    public void A_rollback_release_keeps_the_image_it_runs_and_the_list_shows_where_each_image_is()
    {
        var state = ThreeDeployments();
        var (queued, planned) = state.DecideRollback(new RollbackApp("app", 1, false, false), On(1, 3), 1, At, out _)!.Value;
        state = state.Apply(queued).Apply(planned);
        // Queued, the rollback keeps v1's image though only one release is kept.
        Assert.DoesNotContain("app-v1", state.ImagesToDrop(1));
        state = state.Apply(new DeploymentRouted("app", "app-v4", 4,
            [ContainerSpec.For("app", "app-v4", "v4", Image(1), "web", 1, "serve", new Dictionary<string, string>(), 5001)], At, Procfile));
        state = state.Apply(new DeploymentEnded("app", "app-v4", DeploymentStatus.Success, At, At));
        Assert.Equal(["app-v2", "app-v3"], state.ImagesToDrop(1).Order());

        var list = state.ReleasesView(On(1)).Releases;
        Assert.Equal(["v4", "v3", "v1"], list.Select(r => r.Version));
        Assert.Equal([Image(1), Image(3), Image(1)], list.Select(r => r.Image));
        Assert.Equal([true, false, true], list.Select(r => r.ImagePresent));
        Assert.Equal([true, false, false], list.Select(r => r.Routed));
        Assert.Equal(["v1", null, null], list.Select(r => r.RollbackOf));
        Assert.All(list, r => Assert.Equal("migrate", r.Postdeploy));
    }
}
