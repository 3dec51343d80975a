using System.Net;
using Engine.Tests.Support;
using Microsoft.Data.Sqlite;
using static Engine.Tests.Support.Deadlines;

namespace Engine.Tests.Apps;

[Collection(DockerCollection.Name)]
public sealed class SnapshotRecoveryEndToEndTests
{
    [Fact]
    public async Task An_app_recovered_from_its_snapshot_after_kill_9_serves_its_routed_release_with_its_env_and_audits_every_event()
    {
        await using var node = await EngineNode.StartWithEnvironmentAsync(
            new Dictionary<string, string> { ["Engine__SnapshotEvery"] = "4" }, "--start-timeout", "20", "--stop-grace", "2");
        var app = node.NewApp("snap");
        await node.CliOk("env", "set", app, "BEFORE=1");
        using var dir = new AppDir();
        await node.DeployAsync(dir, app); // queued, routed, ended: the snapshot is taken after the app's 4th event
        await node.CliOk("env", "set", app, "AFTER=2"); // the 5th, after the snapshot

        await node.KillAsync();
        Assert.Equal([4L], await SnapshotsOf(node, $"app-{app}"));
        await node.RestartAsync();

        var served = await Eventually.Until(() => node.Get(app), r => r.Status == HttpStatusCode.OK, Within, "v1 to serve again");
        Assert.Equal($"version v1 of {app}", served.Body);
        var env = (await node.Cli("env", app, "--json")).Json;
        Assert.Equal(("1", "2"), (env.GetProperty("BEFORE").GetString(), env.GetProperty("AFTER").GetString()));
        // The audit still reads the events the snapshot covers.
        var types = (await node.Cli("audit", app, "--json")).Json.EnumerateArray()
            .Select(e => e.GetProperty("type").GetString()).ToList();
        foreach (var type in new[] { "EnvChanged", "DeploymentQueued", "DeploymentRouted", "DeploymentEnded" }) Assert.Contains(type, types);
        Assert.Equal(2, types.Count(t => t == "EnvChanged"));
        var verify = await node.Cli("audit", "verify", "--json");
        Assert.True(verify.ExitCode == 0, verify.ToString());
    }

    private static async Task<List<long>> SnapshotsOf(EngineNode node, string persistenceId)
    {
        await using var db = new SqliteConnection($"Data Source={Path.Combine(node.DataDir, "engine.db")};Mode=ReadOnly;Pooling=False");
        await db.OpenAsync();
        await using var query = db.CreateCommand();
        query.CommandText = "SELECT sequence_number FROM snapshot WHERE persistence_id = $id ORDER BY sequence_number";
        query.Parameters.AddWithValue("$id", persistenceId);
        await using var reader = await query.ExecuteReaderAsync();
        var rows = new List<long>();
        while (await reader.ReadAsync()) rows.Add(reader.GetInt64(0));
        return rows;
    }
}
