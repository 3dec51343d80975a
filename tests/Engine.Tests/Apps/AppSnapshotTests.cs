using System.Text.Json;
using Engine.Apps;
using Engine.Protocol;
using Engine.Secrets;
using Engine.Serialization;

namespace Engine.Tests.Apps;

/// <summary>An app recovered from a snapshot and the events after it has the state a full replay gives.</summary>
public sealed class AppSnapshotTests
{
    private static readonly DateTimeOffset At = DateTimeOffset.Parse("2026-12-07T12:00:00Z");
    private static readonly EnvCipher Cipher = EnvCipher.FromBase64(EnvCipher.NewKey(), "the test key");

    private static ContainerSpec Web(string deployment, int index) =>
        ContainerSpec.For("app", deployment, "v1", "img", "web", index, "serve", new Dictionary<string, string> { ["SECRET"] = "s3cret" }, 5000 + index);

    /// <summary>Every kind of app event, in an order an app may journal them.</summary>
    private static readonly IAppEvent[] History =
    [
        new EnvChanged("app", new Dictionary<string, string> { ["SECRET"] = "s3cret", ["B"] = "2" }, [], At, "ana"),
        new DeploymentQueued("app", "app-v1", 1, "a.tar", new Dictionary<string, string> { ["SECRET"] = "s3cret" }, At, "node-1", "ana", "key-1"),
        new DeploymentRouted("app", "app-v1", 1, [Web("app-v1", 1)], At,
            [new ProcessType("web", "serve"), new ProcessType("postdeploy", "migrate")], "worker-1", "10.0.0.1"),
        new DeploymentEnded("app", "app-v1", DeploymentStatus.Success, At, At),
        new FormationChanged("app", new Dictionary<string, int> { ["web"] = 2 }, At, "ana"),
        new ReleaseScaled("app", "app-v1", [Web("app-v1", 1), Web("app-v1", 2)], "scaled to web=2", At),
        new ContainerRestarted("app", "app-v1", "web-1", 137, At),
        new EnvChanged("app", new Dictionary<string, string> { ["C"] = "3" }, ["B"], At, "bo"),
        new DeploymentQueued("app", "app-v2", 2, "b.tar", new Dictionary<string, string> { ["C"] = "3" }, At),
        new DeploymentEnded("app", "app-v2", DeploymentStatus.HookError, At, At, "the hook failed"),
        new ContainerRestarted("app", "app-v1", "web-1", 1, At),
        new AppLocked("app", "release freeze", At, "ana"),
        new MaintenanceChanged("app", new Maintenance("back soon", 60), At, "ana"),
        new AppUnlocked("app", At, "bo"),
        new AppLocked("app", "db migration", At, "bo"),
        new ChecksChanged("app", new HealthCheck("/up", TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(2), 1, 3), At, "bo"),
    ];

    private static AppState Replay(AppState from, IEnumerable<IAppEvent> events) => events.Aggregate(from, (s, e) => s.Apply(e));

    /// <summary>The whole state, comparable (its collections compare by reference).</summary>
    private static string Shape(AppState state) =>
        JsonSerializer.Serialize(AppSnapshot.Of(state, env => new Dictionary<string, string>(env)), ContractJson.Default.AppSnapshot);

    [Fact]
    public void A_snapshot_after_any_event_then_the_later_events_give_the_full_replays_state()
    {
        var full = Replay(new AppState("app"), History);
        for (var taken = 0; taken <= History.Length; taken++)
        {
            // Through the contract's JSON, as the snapshot store holds it.
            var json = JsonSerializer.Serialize(AppSnapshot.Of(Replay(new AppState("app"), History.Take(taken)), Cipher.Seal),
                ContractJson.Default.AppSnapshot);
            var restored = JsonSerializer.Deserialize(json, ContractJson.Default.AppSnapshot)!.ToState(Cipher.Open);
            Assert.Equal(Shape(full), Shape(Replay(restored, History.Skip(taken))));
        }
        Assert.Equal(["C", "SECRET"], full.Env.Keys);
        Assert.Equal(2, full.Routed!.Containers.Count);
        Assert.Equal(2, full.Restarts["app-v1/web-1"].Count);
        Assert.Equal(("db migration", "bo"), (full.Lock!.Reason, full.Lock.By));
        Assert.Equal(new Maintenance("back soon", 60), full.Maintenance);
        Assert.Equal("/up", full.Checks!.Path);
    }

    [Fact]
    public void A_snapshot_written_before_locks_maintenance_and_checks_reads_with_none()
    {
        var state = Replay(new AppState("app"), History);
        var v3 = AppSnapshot.Of(state, Cipher.Seal);
        var json = JsonSerializer.Serialize(new AppSnapshotV2(v3.Name, v3.Env, v3.Deployments, v3.Ended, v3.Outcomes, v3.Routed, v3.Formation,
            v3.Restarts, v3.Releases), ContractJson.Default.AppSnapshotV2);
        var back = AppSnapshot.Upcast(JsonSerializer.Deserialize(json, ContractJson.Default.AppSnapshotV2)!).ToState(Cipher.Open);
        Assert.Equal((null, null, null), (back.Lock, back.Maintenance, back.Checks));
        Assert.Equal(Shape(state with { Lock = null, Maintenance = null, Checks = null }), Shape(back));
    }

    [Fact]
    public void A_snapshot_holds_env_values_sealed_as_the_journals_events_do()
    {
        var state = Replay(new AppState("app"), History);
        var json = JsonSerializer.Serialize(AppSnapshot.Of(state, Cipher.Seal), ContractJson.Default.AppSnapshot);
        Assert.DoesNotContain("s3cret", json);
        Assert.Contains(EnvCipher.Prefix, json);
        // Its own env, a deployment's and a routed container's come back open.
        var back = JsonSerializer.Deserialize(json, ContractJson.Default.AppSnapshot)!.ToState(Cipher.Open);
        Assert.Equal("s3cret", back.Env["SECRET"]);
        Assert.Equal("s3cret", back.Deployments[0].Env["SECRET"]);
        Assert.Equal("s3cret", back.Routed!.Containers[0].Env["SECRET"]);
    }

    [Fact]
    public void A_snapshot_written_before_releases_were_kept_reads_with_its_routed_release()
    {
        var state = Replay(new AppState("app"), History);
        var v2 = AppSnapshot.Of(state, Cipher.Seal);
        var json = JsonSerializer.Serialize(new AppSnapshotV1(v2.Name, v2.Env, v2.Deployments, v2.Ended, v2.Outcomes, v2.Routed, v2.Formation,
            v2.Restarts), ContractJson.Default.AppSnapshotV1);
        Assert.DoesNotContain("releases", json);
        var back = AppSnapshot.Upcast(JsonSerializer.Deserialize(json, ContractJson.Default.AppSnapshotV1)!).ToState(Cipher.Open);
        Assert.Equal([state.Routed!.DeploymentId], back.Releases.Keys);
        var (was, read) = (state.Releases[state.Routed.DeploymentId], back.Releases[state.Routed.DeploymentId]);
        Assert.Equal((was.Image, was.Processes), (read.Image, read.Processes), (a, b) => a.Image == b.Image && a.Processes.SequenceEqual(b.Processes));
    }
}
