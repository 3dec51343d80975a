using System.Net;
using Engine.Tests.Support;
using Microsoft.Data.Sqlite;
using static Engine.Tests.Support.Deadlines;

namespace Engine.Tests.Audit;

/// <summary>On a real node and its SQLite journal: the audit reads an app's events by persistence id, and must hold
/// exactly the rows the app's tag files, in journal order — across a restart, for an idle app and a deployed one.</summary>
[Collection(DockerCollection.Name)]
public sealed class AuditEndToEndTests
{
    private static async Task<List<(string, long)>> TaggedRows(EngineNode node, string app)
    {
        await using var db = new SqliteConnection($"Data Source={Path.Combine(node.DataDir, "engine.db")};Mode=ReadOnly;Pooling=False");
        await db.OpenAsync();
        await using var command = db.CreateCommand();
        command.CommandText = "SELECT j.persistence_id, j.sequence_number FROM tags t JOIN journal j ON j.ordering = t.ordering_id " +
            "WHERE t.tag = $tag AND j.deleted = 0 ORDER BY j.ordering";
        command.Parameters.AddWithValue("$tag", $"app:{app}");
        var rows = new List<(string, long)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) rows.Add((reader.GetString(0), reader.GetInt64(1)));
        return rows;
    }

    private static async Task<List<(string, long)>> Audited(EngineNode node, string app)
    {
        var audit = await node.Cli("audit", app, "--json");
        Assert.True(audit.ExitCode == 0, audit.ToString());
        return audit.Json.EnumerateArray()
            .Select(e => (e.GetProperty("persistence_id").GetString()!, e.GetProperty("sequence_nr").GetInt64())).ToList();
    }

    [Fact]
    public async Task The_audit_holds_the_apps_tagged_events_in_journal_order_and_idle_apps_list_after_a_restart()
    {
        await using var node = await EngineNode.StartAsync("--stop-grace", "1");
        var idle = node.NewApp("idle");
        var deployed = node.NewApp("audited");
        await node.CliOk("env", "set", idle, "A=1");
        await node.CliOk("env", "set", deployed, "B=2");
        using var dir = AppDir.WithHook("true");
        await node.DeployAsync(dir, deployed);
        await node.CliOk("env", "set", deployed, "C=3");
        await node.DeployAsync(dir, deployed);

        foreach (var app in new[] { idle, deployed })
        {
            var tagged = await TaggedRows(node, app);
            // The app registered itself: its registration is the first event of its own stream.
            Assert.Equal(($"app-{app}", 1L), tagged[0]);
            Assert.Equal(tagged, await Audited(node, app));
        }

        await node.KillAsync();
        await node.RestartAsync();
        var apps = (await node.Cli("apps", "--json")).Json.EnumerateArray()
            .ToDictionary(a => a.GetProperty("name").GetString()!, a => a.GetProperty("deployments").GetInt32());
        Assert.Equal(0, apps[idle]);
        Assert.Equal(2, apps[deployed]);
        var served = await Eventually.Until(() => node.Get(deployed), r => r.Status == HttpStatusCode.OK, Within, "v2 to serve again");
        Assert.Equal($"version v2 of {deployed}", served.Body);
        var listing = (await node.Cli("deployments", deployed, "--json")).Json.EnumerateArray()
            .Select(d => (d.GetProperty("id").GetString(), d.GetProperty("status").GetString())).ToList();
        Assert.Equal([($"{deployed}-v1", "success"), ($"{deployed}-v2", "success")], listing);
        foreach (var app in new[] { idle, deployed })
            Assert.Equal(await TaggedRows(node, app), await Audited(node, app));
        await node.CliOk("env", "set", idle, "D=4");
        Assert.Equal(await TaggedRows(node, idle), await Audited(node, idle));
    }
}
