using Engine.Deployments;
using Engine.Protocol;

namespace Engine.Tests.Deployments;

public sealed class DeploymentStateTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-11-26T12:00:00Z");

    private static readonly IReadOnlyList<ProcessType> WithHook =
        [new("web", "serve"), new("worker", "work"), new("postdeploy", "migrate")];

    private static DeploymentState Created() => new DeploymentState().Apply(new DeploymentCreated("app", "app-v2", 2,
        "/tmp/a.tar", new Dictionary<string, string> { ["FOO"] = "bar" }, Now));

    /// <summary>Decides, applies and returns the new state with the events it produced.</summary>
    private static (DeploymentState State, IReadOnlyList<IDeploymentEvent> Events) Step(DeploymentState s, IDeploymentCommand c)
    {
        var events = s.Decide(c, Now);
        return (events.Aggregate(s, (st, e) => st.Apply(e)), events);
    }

    private static DeploymentState Through(DeploymentState s, params IDeploymentCommand[] commands) =>
        commands.Aggregate(s, (st, c) => Step(st, c).State);

    [Fact]
    public void The_happy_path_walks_every_status_in_order_and_plans_the_containers()
    {
        var s = Created();
        var statuses = new List<string> { s.Status };
        foreach (var c in new IDeploymentCommand[]
                 {
                     StartDeployment.Instance, new BuildSucceeded("img:v2", WithHook), new ContainersPlaced([new("web", 1, "", "", 4242), new("worker", 1, "", "")]),
                     new ContainersUp([]), HookSucceeded.Instance, new RouteSwitched("app", "app-v2"), new ContainersRemoved(1),
                 })
        {
            s = Step(s, c).State;
            statuses.Add(s.Status);
        }
        Assert.Equal(["queued", "building", "pushing", "starting", "running-hook", "switching", "switching", "success"], statuses);
        Assert.Equal(Now, s.FinishedAt);

        var web = Assert.Single(s.Containers, c => c.Type == "web");
        Assert.Equal((4242, "app-v2-web-1", "serve"), (web.Port!.Value, web.Name, web.Command));
        Assert.Equal("4242", web.Env["PORT"]);
        Assert.Equal("bar", web.Env["FOO"]);
        Assert.Single(s.Containers, c => c.Type == "worker" && c.Port is null && !c.Env.ContainsKey("PORT"));
        Assert.DoesNotContain(s.Containers, c => c.Type == "postdeploy");

        var hook = s.HookSpec();
        Assert.Equal(("migrate", "postdeploy-1", "v2", "app-v2"),
            (hook.Command, hook.Env["CONTAINER"], hook.Env["CONTAINER_VERSION"], hook.Env["DEPLOYMENT_ID"]));
    }

    [Fact]
    public void Without_a_hook_the_deployment_goes_from_starting_straight_to_switching()
    {
        var s = Through(Created(), StartDeployment.Instance, new BuildSucceeded("img", [new("web", null)]), new ContainersPlaced([new("web", 1, "", "", 1)]));
        var (next, events) = Step(s, new ContainersUp(s.Containers));
        Assert.IsType<SwitchStarted>(Assert.Single(events));
        Assert.Equal("switching", next.Status);
    }

    [Theory]
    [InlineData("build")]
    [InlineData("start")]
    [InlineData("hook")]
    public void Failures_end_with_the_matching_status_and_error(string where)
    {
        var s = Through(Created(), StartDeployment.Instance);
        IDeploymentCommand failure = new BuildFailed("no Dockerfile");
        var expected = "build-error";
        if (where != "build")
        {
            s = Through(s, new BuildSucceeded("img", WithHook), new ContainersPlaced([new("web", 1, "", "", 1)]));
            failure = new ContainersFailed("crashed-error", "web-1 exited");
            expected = "crashed-error";
        }
        if (where == "hook")
        {
            s = Through(s, new ContainersUp([]));
            failure = new HookFailed("exit 3");
            expected = "hook-error";
        }
        var end = Step(s, failure).State;
        Assert.Equal(expected, end.Status);
        Assert.True(end.IsTerminal);
        Assert.NotNull(end.Error);
        Assert.Empty(end.Decide(HookSucceeded.Instance, Now));
        Assert.Empty(end.Decide(StartDeployment.Instance, Now));
    }

    [Fact]
    public void A_timeout_fails_an_unfinished_deployment_but_not_one_whose_hook_already_succeeded()
    {
        var hookRunning = Through(Created(), StartDeployment.Instance, new BuildSucceeded("img", WithHook), new ContainersPlaced([new("web", 1, "", "", 1)]), new ContainersUp([]));
        Assert.Equal("timeout-error", Step(hookRunning, DeploymentTimedOut.Instance).State.Status);

        var switching = Through(hookRunning, HookSucceeded.Instance);
        Assert.Empty(switching.Decide(DeploymentTimedOut.Instance, Now));
        Assert.Empty(switching.Decide(RecoveredInFlight.Instance, Now));
    }

    [Fact]
    public void A_deployment_found_in_flight_at_recovery_is_aborted_with_a_reason_and_a_queued_one_is_not()
    {
        Assert.Empty(Created().Decide(RecoveredInFlight.Instance, Now));
        var building = Through(Created(), StartDeployment.Instance);
        var aborted = Step(building, RecoveredInFlight.Instance).State;
        Assert.Equal("aborted", aborted.Status);
        Assert.Contains("the node that ran it stopped (a restart or a failover) while the deployment was building", aborted.Error);
    }

    [Fact]
    public void Replaying_a_journal_rebuilds_the_state_its_events_describe()
    {
        // A journal as the actor writes it, replayed onto a fresh state the way recovery does.
        var web = ContainerSpec.For("app", "app-v2", "v2", "img:v2", "web", 1, "serve",
            new Dictionary<string, string> { ["FOO"] = "bar" }, 4242);
        IDeploymentEvent[] journal =
        [
            new DeploymentCreated("app", "app-v2", 2, "/tmp/a.tar", new Dictionary<string, string> { ["FOO"] = "bar" }, Now),
            new BuildStarted("app", "app-v2", Now),
            new ImageBuilt("app", "app-v2", "img:v2", WithHook, Now),
            new ContainersStarting("app", "app-v2", [web], Now),
            new HookStarted("app", "app-v2", "migrate", Now, new Dictionary<string, string>()),
        ];
        var replayed = journal.Aggregate(new DeploymentState(), (s, e) => s.Apply(e));

        Assert.Equal(("app-v2", "app", 2, "running-hook", "img:v2", "migrate", "/tmp/a.tar"),
            (replayed.Id, replayed.App, replayed.Version, replayed.Status, replayed.Image, replayed.HookCommand, replayed.ArchivePath));
        Assert.Equal([web], replayed.Containers);
        Assert.Equal("bar", replayed.Env["FOO"]);
        Assert.Equal(Now, replayed.CreatedAt);
        Assert.Null(replayed.FinishedAt);
        Assert.False(replayed.Routed);
        // The replayed state decides as the live one did: the hook's success moves it on to the switch.
        Assert.IsType<SwitchStarted>(Assert.Single(replayed.Decide(HookSucceeded.Instance, Now)));
    }

    [Theory]
    [InlineData("hello-v3", "hello", 3)]
    [InlineData("my-v1-app-v12", "my-v1-app", 12)]
    public void Deployment_ids_name_their_app_and_version(string id, string app, int version)
    {
        Assert.Equal(id, DeploymentId.For(app, version));
        Assert.Equal((app, version), DeploymentId.Parse(id));
    }

    [Theory]
    [InlineData("hello")]
    [InlineData("hello-v0")]
    [InlineData("hello-vx")]
    public void Other_strings_are_not_deployment_ids(string id) => Assert.Null(DeploymentId.Parse(id));

    [Fact]
    public void A_cancel_aborts_every_phase_before_the_switch_with_who_asked_and_is_refused_from_the_switch_on()
    {
        var phases = new List<DeploymentState> { Created() };
        foreach (var c in new IDeploymentCommand[]
                 {
                     StartDeployment.Instance, new BuildSucceeded("img:v2", WithHook), new ContainersPlaced([new("web", 1, "", "", 4242)]),
                     new ContainersUp([]),
                 })
            phases.Add(Step(phases[^1], c).State);
        Assert.Equal(["queued", "building", "pushing", "starting", "running-hook"], phases.Select(p => p.Status));
        foreach (var phase in phases)
        {
            var failed = Assert.IsType<DeploymentFailed>(Assert.Single(phase.Decide(new CancelRequested("alice"), Now)));
            Assert.Equal(("aborted", "alice", $"canceled by alice while {phase.Status}"), (failed.Status, failed.By, failed.Error));
        }

        var switching = Step(phases[^1], HookSucceeded.Instance).State;
        var succeeded = Through(switching, new RouteSwitched("app", "app-v2"), new ContainersRemoved(1));
        var hookFailed = Step(phases[^1], new HookFailed("exit 1")).State;
        foreach (var (state, why) in new[] { (switching, "its traffic switch is committed"), (succeeded, "already ended as success"),
                     (hookFailed, "already ended as hook-error") })
        {
            Assert.Empty(state.Decide(new CancelRequested("alice"), Now));
            Assert.Contains(why, state.RefuseCancel);
        }
    }
}
