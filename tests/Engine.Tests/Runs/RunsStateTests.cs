using Engine.Protocol;
using Engine.Runs;

namespace Engine.Tests.Runs;

/// <summary>The pure rules of one-off runs: what is refused, where a run goes, and that each end counts once.</summary>
public sealed class RunsStateTests
{
    private static readonly RunRelease Release = new("hello-v2", "v2", "engine-apps/hello:v2-x",
        new Dictionary<string, string> { ["A"] = "1" }, new HashSet<string> { "w1" });

    private static StartRun Run(string command = "rake db:migrate", Dictionary<string, string>? env = null) =>
        new("hello", command, env ?? [], Detach: false, Tty: false, TimeSpan.FromHours(1), "ops");

    [Fact]
    public void A_run_needs_a_routed_release_a_command_and_valid_env()
    {
        Assert.True(RunsState.Refuse(Run(), null) is { Conflict: true, Error: var e } && e.Contains("no routed release"));
        Assert.Equal("no command to run", RunsState.Refuse(Run(" "), Release)?.Error);
        Assert.StartsWith("--env: ", RunsState.Refuse(Run(env: new() { ["1BAD"] = "x" }), Release)?.Error);
        Assert.Null(RunsState.Refuse(Run(env: new() { ["GOOD"] = "x" }), Release));
    }

    [Fact]
    public void A_run_goes_to_the_least_loaded_worker_that_holds_the_image_and_has_room()
    {
        WorkerInfo W(string name, int capacity, int running) => new($"akka.tcp://engine@{name}:1", name, name, capacity, running);
        Assert.Equal("w1", RunsState.Place([W("w0", 0, 0), W("w1", 4, 3)], Release)?.Name);
        Assert.Null(RunsState.Place([W("w0", 0, 0), W("w1", 4, 4)], Release));
        Assert.Equal("no worker that holds the release's image has room for a one-off (w0: 0 of 0 containers, no image, w1: 4 of 4 containers)",
            RunsState.NoRoom([W("w0", 0, 0), W("w1", 4, 4)], Release));
        // A release that names no worker (one node): any worker with room, the least loaded first.
        var anywhere = Release with { Holders = new HashSet<string>() };
        Assert.Equal("w0", RunsState.Place([W("w1", 0, 5), W("w0", 0, 1)], anywhere)?.Name);
    }

    [Fact]
    public void Runs_are_numbered_in_turn_and_each_end_counts_once()
    {
        var state = new RunsState("hello");
        var first = state.Start(Run(), Release, "w1", DateTimeOffset.UnixEpoch);
        state = state.Apply(first);
        var second = state.Start(Run("true"), Release, "w1", DateTimeOffset.UnixEpoch);
        Assert.Equal((1, 2), (first.Number, second.Number));
        Assert.Equal("one-off-1", first.Slot);
        state = state.Apply(second);

        var end = state.End(new RunExited(1, 0, null), DateTimeOffset.UnixEpoch);
        Assert.NotNull(end);
        state = state.Apply(end);
        Assert.Null(state.End(new RunExited(1, 0, null), DateTimeOffset.UnixEpoch)); // a re-attached actor's late report
        Assert.Equal([2], state.Running.Keys);
        Assert.Equal(["hello/one-off-2 running", "hello/one-off-1 exited"], state.List.Runs.Select(r => $"{r.Id} {r.Status}"));
        // A number is never taken twice, even after the runs before it ended.
        Assert.Equal(3, state.Start(Run(), Release, "w1", DateTimeOffset.UnixEpoch).Number);
    }

    [Fact]
    public void A_runs_container_has_the_apps_env_and_the_injected_variables_but_no_port()
    {
        var run = new RunsState("hello").Start(Run(), Release, "w1", DateTimeOffset.UnixEpoch);
        var spec = RunsState.Spec(run, new Dictionary<string, string> { ["A"] = "1" });
        Assert.Equal(("one-off", "one-off-1", "engine-apps/hello:v2-x", "rake db:migrate"), (spec.Type, spec.Slot, spec.Image, spec.Command));
        Assert.Equal(new Dictionary<string, string>
        {
            ["A"] = "1", ["APP"] = "hello", ["CONTAINER"] = "one-off-1", ["CONTAINER_VERSION"] = "v2", ["DEPLOYMENT_ID"] = "hello-v2",
        }, spec.Env);
        Assert.Null(spec.Port);
    }

    [Fact]
    public void Generic_removals_leave_one_offs_alone()
    {
        var oneOff = new ContainerSummary("id", "n", "hello", "hello-v2", "v2", "one-off", "one-off-1", "running");
        var web = oneOff with { Type = "web", Slot = "web-1" };
        Assert.False(RemoveContainers.AllBut("hello", ["hello-v3"], TimeSpan.Zero).Matches(oneOff));
        Assert.False(RemoveContainers.OfDeploymentBut("hello", "hello-v2", [], TimeSpan.Zero).Matches(oneOff));
        Assert.True(RemoveContainers.OfDeploymentBut("hello", "hello-v2", [], TimeSpan.Zero).Matches(web));
        Assert.False(RemoveContainers.OneOffsBut("hello", ["one-off-1"]).Matches(oneOff));
        Assert.True(RemoveContainers.OneOffsBut("hello", ["one-off-2"]).Matches(oneOff));
        Assert.False(RemoveContainers.OneOffsBut("hello", []).Matches(web));
    }
}
