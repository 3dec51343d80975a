using Engine.Audit;
using Engine.Deployments;
using Engine.Protocol;

namespace Engine.Tests.Audit;

public sealed class JournalVerifierTests
{
    private static readonly DateTimeOffset Start = DateTimeOffset.Parse("2026-11-26T12:00:00Z");
    private static readonly Dictionary<string, string> Env = new() { ["A"] = "1" };

    private static string Id(string app, int version) => DeploymentId.For(app, version);

    private static ContainerSpec Web(string app, int v, int index = 1) =>
        ContainerSpec.For(app, Id(app, v), $"v{v}", $"img:v{v}", "web", index, "serve", Env, 5000 + v * 10 + index);

    /// <summary>Events in write order, each a minute after the last, with sequence numbers per persistence id and the
    /// journal's ordering as the journal gives them; and the steps of a deployment as the app and deployment actors
    /// journal them.</summary>
    private sealed class Journal
    {
        private readonly List<JournalEvent> _events = [];
        private readonly Dictionary<string, long> _last = [];
        private DateTimeOffset _clock = Start;

        public IReadOnlyList<JournalEvent> Events => _events;

        public Journal Then(string persistenceId, Func<DateTimeOffset, object> make)
        {
            _clock = _clock.AddMinutes(1);
            var seq = _last[persistenceId] = _last.GetValueOrDefault(persistenceId) + 1;
            _events.Add(new JournalEvent(persistenceId, seq, _clock, make(_clock), _events.Count + 1));
            return this;
        }

        public Journal OnApp(string app, Func<DateTimeOffset, object> make) => Then($"app-{app}", make);

        public Journal On(string deployment, Func<DateTimeOffset, object> make) => Then(DeploymentActor.NameFor(deployment), make);

        public Journal Queue(string app, int v) =>
            OnApp(app, at => new DeploymentQueued(app, Id(app, v), v, "/a.tar", Env, at))
            .On(Id(app, v), at => new DeploymentCreated(app, Id(app, v), v, "/a.tar", Env, at));

        public Journal Build(string app, int v, bool hook) =>
            On(Id(app, v), at => new BuildStarted(app, Id(app, v), at))
            .On(Id(app, v), at => new ImageBuilt(app, Id(app, v), $"img:v{v}",
                hook ? [new("web", "serve"), new("postdeploy", "migrate")] : [new("web", "serve")], at))
            .On(Id(app, v), at => new ContainersStarting(app, Id(app, v), [Web(app, v)], at));

        public Journal Hook(string app, int v) => On(Id(app, v), at => new HookStarted(app, Id(app, v), "migrate", at, new Dictionary<string, string>()));

        public Journal Switch(string app, int v) =>
            On(Id(app, v), at => new SwitchStarted(app, Id(app, v), at))
            .Route(app, v)
            .On(Id(app, v), at => new TrafficSwitched(app, Id(app, v), at));

        public Journal Route(string app, int v) => OnApp(app, at => new DeploymentRouted(app, Id(app, v), v, [Web(app, v)], at, []));

        public Journal Succeed(string app, int v) =>
            On(Id(app, v), at => new DeploymentSucceeded(app, Id(app, v), at))
            .OnApp(app, at => new DeploymentEnded(app, Id(app, v), "success", at, FinishedAt: at));

        public Journal Fail(string app, int v, string status) =>
            On(Id(app, v), at => new DeploymentFailed(app, Id(app, v), status, "exit 3", at))
            .OnApp(app, at => new DeploymentEnded(app, Id(app, v), status, at, at, "exit 3"));
    }

    /// <summary>A journal the engine writes: registrations, an env change, a deployment with a hook, one whose hook
    /// fails, one without a hook, a scale; and another app deploying at the same time as the first.</summary>
    private static Journal Clean() => new Journal()
        .Then("apps", at => new AppRegistered("shop", at, Idle: false))
        .OnApp("shop", at => new EnvChanged("shop", Env, [], at))
        .Then("apps", at => new AppRegistered("blog", at, Idle: true))
        .Then("apps", at => new AppDeploying("blog", at))
        .Queue("shop", 1).Queue("blog", 1).Build("shop", 1, hook: true).Build("blog", 1, hook: false).Hook("shop", 1)
        .Switch("blog", 1).Switch("shop", 1).Succeed("shop", 1).Succeed("blog", 1)
        .Queue("shop", 2).Build("shop", 2, hook: true).Hook("shop", 2).Fail("shop", 2, "hook-error")
        .Queue("shop", 3).Build("shop", 3, hook: false).Switch("shop", 3).Succeed("shop", 3)
        .OnApp("shop", at => new FormationChanged("shop", new Dictionary<string, int> { ["web"] = 2 }, at))
        .OnApp("shop", at => new ReleaseScaled("shop", Id("shop", 3), [Web("shop", 3), Web("shop", 3, 2)], "scaled to web=2", at))
        .Then("apps", at => new AppRegistered("wiki", at, Idle: false));

    private static IReadOnlyList<JournalEvent> Without(IReadOnlyList<JournalEvent> events, string persistenceId, long sequenceNr) =>
        events.Where(e => (e.PersistenceId, e.SequenceNr) != (persistenceId, sequenceNr)).ToList();

    [Fact]
    public void A_journal_the_engine_writes_has_no_finding()
    {
        var events = Clean().Events;
        Assert.Empty(JournalVerifier.Verify(events));
        Assert.Empty(JournalVerifier.Verify(events, new HashSet<string>()));
    }

    [Theory]
    [InlineData("deployment-shop-v3", 3, 3L, "#3 between BuildStarted (#2) and ContainersStarting (#4)")]
    [InlineData("app-shop", 1, 1L, "#1 before DeploymentQueued (#2)")]
    [InlineData("apps", 2, 2L, "#2-#3 between AppRegistered (#1) and AppRegistered (#4)")]
    public void A_missing_event_is_a_gap_naming_the_missing_numbers_and_the_events_around_them(string persistenceId, int drop,
        long firstMissing, string named)
    {
        var events = Without(Clean().Events, persistenceId, drop);
        if (persistenceId == "apps") events = Without(events, "apps", drop + 1);

        var finding = Assert.Single(JournalVerifier.Verify(events));
        Assert.Equal((JournalVerifier.SequenceGap, persistenceId, firstMissing), (finding.Kind, finding.PersistenceId, finding.SequenceNr));
        Assert.Contains(named, finding.Message);
        Assert.Equal(persistenceId == "apps" ? null : "shop", finding.App);
        Assert.Equal(persistenceId.StartsWith("deployment-") ? "shop-v3" : null, finding.Deployment);
    }

    [Fact]
    public void Sequence_numbers_of_akkas_own_ids_are_not_checked()
    {
        // Sharding snapshots its coordinator and deletes the older events: its ids start past 1 by design.
        var events = Clean().Events.Append(new JournalEvent("/system/sharding/appCoordinator/singleton/coordinator", 1001,
            Start, "a shard's event", 999)).ToList();
        Assert.Empty(JournalVerifier.Verify(events));
    }

    [Fact]
    public void Traffic_that_moves_while_the_hook_never_succeeded_is_found_in_both_journals()
    {
        var events = new Journal().Queue("shop", 1).Build("shop", 1, hook: true).Hook("shop", 1)
            .Route("shop", 1).On(Id("shop", 1), at => new TrafficSwitched("shop", Id("shop", 1), at)).Succeed("shop", 1).Events;

        var findings = JournalVerifier.Verify(events);
        Assert.All(findings, f => Assert.Equal(JournalVerifier.SwitchWithoutHookSuccess, f.Kind));
        Assert.Equal([("app-shop", 2L), ("deployment-shop-v1", 6L)], findings.Select(f => (f.PersistenceId, f.SequenceNr!.Value)).Order());
        Assert.All(findings, f => Assert.Contains("shop-v1", f.Message));
        Assert.Contains("holds no SwitchStarted", findings[0].Message);
    }

    [Fact]
    public void A_route_to_a_deployment_whose_hook_failed_is_found()
    {
        var events = Clean().Route("shop", 2).Events;

        var finding = Assert.Single(JournalVerifier.Verify(events));
        Assert.Equal((JournalVerifier.SwitchWithoutHookSuccess, "app-shop", "shop-v2"), (finding.Kind, finding.PersistenceId, finding.Deployment));
        Assert.Contains("DeploymentFailed (#6), hook-error: exit 3", finding.Message);
    }

    [Fact]
    public void Two_deployments_of_one_app_whose_builds_overlap_are_found_and_another_apps_are_not()
    {
        var events = new Journal().Queue("shop", 1).Queue("shop", 2).Build("shop", 1, hook: false).Build("shop", 2, hook: false)
            .Switch("shop", 1).Succeed("shop", 1).Switch("shop", 2).Succeed("shop", 2).Events;

        var finding = Assert.Single(JournalVerifier.Verify(events));
        Assert.Equal((JournalVerifier.ConcurrentDeployments, "deployment-shop-v2", 2L, "shop"),
            (finding.Kind, finding.PersistenceId, finding.SequenceNr, finding.App));
        Assert.Contains("shop-v1 and shop-v2", finding.Message);
        Assert.Contains("before shop-v1 ended (DeploymentSucceeded (#7)", finding.Message);
    }

    [Fact]
    public void A_deployment_that_starts_exactly_when_the_previous_one_ends_is_not_concurrent()
    {
        var events = new Journal().Queue("shop", 1).Build("shop", 1, hook: false).Switch("shop", 1).Succeed("shop", 1)
            .Queue("shop", 2).Events.ToList();
        var end = events.Single(e => e.Event is DeploymentSucceeded);
        events.Add(new JournalEvent("deployment-shop-v2", 2, end.Timestamp, new BuildStarted("shop", "shop-v2", end.Timestamp), 99));

        Assert.Empty(JournalVerifier.Verify(events, new HashSet<string> { "shop-v2" }));
    }

    [Fact]
    public void A_status_after_a_failure_is_found()
    {
        var events = Clean().On(Id("shop", 2), at => new DeploymentSucceeded("shop", Id("shop", 2), at)).Events;

        var finding = Assert.Single(JournalVerifier.Verify(events));
        Assert.Equal((JournalVerifier.SuccessAfterFailure, "deployment-shop-v2", 7L), (finding.Kind, finding.PersistenceId, finding.SequenceNr));
        Assert.Contains("DeploymentSucceeded (#7) after it had already ended with DeploymentFailed (#6) (hook-error)", finding.Message);
    }

    [Fact]
    public void A_second_final_event_is_found()
    {
        var events = Clean().On(Id("shop", 3), at => new DeploymentSucceeded("shop", Id("shop", 3), at)).Events;

        var finding = Assert.Single(JournalVerifier.Verify(events));
        Assert.Equal((JournalVerifier.SuccessAfterFailure, "deployment-shop-v3", "shop-v3"), (finding.Kind, finding.PersistenceId, finding.Deployment));
    }

    [Fact]
    public void An_app_record_that_contradicts_the_deployments_own_end_is_found()
    {
        var events = Clean().Events
            .Select(e => e.Event is DeploymentEnded { DeploymentId: "shop-v2" } x ? e with { Event = x with { Status = "success" } } : e)
            .ToList();

        var finding = Assert.Single(JournalVerifier.Verify(events));
        Assert.Equal((JournalVerifier.SuccessAfterFailure, "app-shop", "shop-v2"), (finding.Kind, finding.PersistenceId, finding.Deployment));
        Assert.Contains("as success", finding.Message);
        Assert.Contains("ended hook-error", finding.Message);
    }

    [Fact]
    public void A_deployment_the_app_ended_after_its_actor_stopped_twice_is_neither_orphaned_nor_contradicted()
    {
        var events = new Journal().Queue("shop", 1).Build("shop", 1, hook: false)
            .OnApp("shop", at => new DeploymentEnded("shop", Id("shop", 1), "aborted", at, at, "the deployment stopped unexpectedly twice"))
            .Queue("shop", 2).Build("shop", 2, hook: false).Switch("shop", 2).Succeed("shop", 2).Events;

        Assert.Empty(JournalVerifier.Verify(events, new HashSet<string>()));
    }

    [Fact]
    public void A_deployment_left_in_progress_once_a_later_one_built_is_orphaned_and_not_also_concurrent()
    {
        var events = new Journal().Queue("shop", 1).Build("shop", 1, hook: true).Hook("shop", 1)
            .Queue("shop", 2).Build("shop", 2, hook: false).Switch("shop", 2).Succeed("shop", 2).Events;

        var finding = Assert.Single(JournalVerifier.Verify(events));
        Assert.Equal((JournalVerifier.OrphanedDeployment, "deployment-shop-v1", 5L, "shop-v1"),
            (finding.Kind, finding.PersistenceId, finding.SequenceNr, finding.Deployment));
        Assert.Contains("left running-hook (its last event HookStarted (#5)) while the later shop-v2 started building", finding.Message);
    }

    [Fact]
    public void An_in_progress_deployment_no_live_app_holds_is_orphaned()
    {
        var events = Clean().Queue("shop", 4).Build("shop", 4, hook: false).Events;

        Assert.Empty(JournalVerifier.Verify(events));
        Assert.Empty(JournalVerifier.Verify(events, new HashSet<string> { "shop-v4" }));
        var finding = Assert.Single(JournalVerifier.Verify(events, new HashSet<string> { "blog-v9" }));
        Assert.Equal((JournalVerifier.OrphanedDeployment, "deployment-shop-v4", 4L), (finding.Kind, finding.PersistenceId, finding.SequenceNr));
        Assert.Contains("no live app actor holds it", finding.Message);
    }

    /// <summary>Writers by persistence id in sequence order, as a split cluster left them (the coordinator:
    /// seq 1-5 by A, 6-11 by B, 12-16 by A again).</summary>
    private static List<JournalEvent> Written(string persistenceId, params (string Writer, int Count)[] runs)
    {
        var events = new List<JournalEvent>();
        foreach (var (writer, count) in runs)
            for (var i = 0; i < count; i++)
                events.Add(new JournalEvent(persistenceId, events.Count + 1, Start.AddSeconds(events.Count), "an event",
                    events.Count + 1, Node: $"node-{writer}", Writer: writer));
        return events;
    }

    [Fact]
    public void An_earlier_writer_that_writes_again_after_another_one_is_two_owners_taking_turns()
    {
        const string coordinator = "/system/sharding/appCoordinator/singleton/coordinator";
        var findings = JournalVerifier.Verify([.. Clean().Events, .. Written(coordinator, ("a", 5), ("b", 6), ("a", 5), ("b", 1))]);

        var finding = Assert.Single(findings);
        Assert.Equal((JournalVerifier.WritersTakingTurns, coordinator, 12L), (finding.Kind, finding.PersistenceId, finding.SequenceNr));
        Assert.Contains("written by a (node node-a), which had already been replaced by b (node node-b) at #11", finding.Message);
    }

    [Fact]
    public void Writers_that_replace_each_other_for_good_are_one_owner_after_another()
    {
        // Each restart or failover brings a new incarnation, with a new uuid, that never gives way back.
        Assert.Empty(JournalVerifier.Verify([.. Clean().Events, .. Written("app-other", ("a", 3), ("b", 2), ("c", 4))]));
    }
}
