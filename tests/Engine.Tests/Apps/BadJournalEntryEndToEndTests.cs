using System.Net;
using Engine.Tests.Support;
using Microsoft.Data.Sqlite;
using static Engine.Tests.Support.Deadlines;

namespace Engine.Tests.Apps;

/// <summary>Bad rows written straight into a stopped node's SQLite journal: the node still serves every other app.</summary>
[Collection(DockerCollection.Name)]
public sealed class BadJournalEntryEndToEndTests
{
    /// <summary>Appends a row to a persistence id (or to <paramref name="into"/>), copied from its last row with another
    /// message.</summary>
    private static async Task AppendRow(string db, string persistenceId, Func<string, string> message, string? into = null)
    {
        await using var connection = new SqliteConnection($"Data Source={db};Pooling=False");
        await connection.OpenAsync();
        string last;
        await using (var read = connection.CreateCommand())
        {
            read.CommandText = "SELECT message FROM journal WHERE persistence_id = $p ORDER BY sequence_number DESC LIMIT 1";
            read.Parameters.AddWithValue("$p", persistenceId);
            last = System.Text.Encoding.UTF8.GetString((byte[])(await read.ExecuteScalarAsync())!);
        }
        await using var insert = connection.CreateCommand();
        insert.CommandText = """
            INSERT INTO journal (created, deleted, persistence_id, sequence_number, message, manifest, identifier, writer_uuid)
            SELECT created, deleted, COALESCE($into, persistence_id), sequence_number + 1, $m, manifest, identifier, writer_uuid
            FROM journal WHERE persistence_id = $p ORDER BY sequence_number DESC LIMIT 1
            """;
        insert.Parameters.AddWithValue("$p", persistenceId);
        insert.Parameters.AddWithValue("$into", (object?)into ?? DBNull.Value);
        insert.Parameters.AddWithValue("$m", System.Text.Encoding.UTF8.GetBytes(message(last)));
        Assert.Equal(1, await insert.ExecuteNonQueryAsync());
    }

    [Fact]
    public async Task An_unusable_app_name_and_an_unreadable_event_are_skipped_loudly_and_every_other_app_serves()
    {
        await using var node = await EngineNode.StartAsync("--start-timeout", "20", "--stop-grace", "2");
        var good = node.NewApp("good");
        var broken = node.NewApp("broken");
        using var dir = new AppDir();
        await node.DeployAsync(dir, good);
        await node.DeployAsync(dir, broken);
        await node.KillAsync();

        var db = Path.Combine(node.DataDir, "engine.db");
        // An app whose name Akka refuses as an actor name (a row written by hand, or corrupted).
        await AppendRow(db, $"app-{good}", last => last.Replace($"\"app\":\"{good}\"", "\"app\":\"x\\n\""), into: "app-x\n");
        // An event nobody can read back: its row cut short.
        await AppendRow(db, $"app-{broken}", last => last[..(last.Length / 2)]);
        await node.RestartAsync();

        // The admin API answers and the good app is routed and serves.
        var served = await Eventually.Until(() => node.Get(good), r => r.Status == HttpStatusCode.OK, Within, "the good app to serve");
        Assert.Equal($"version v1 of {good}", served.Body);
        var apps = await node.Cli("apps", "--json");
        Assert.True(apps.ExitCode == 0, apps.ToString());
        Assert.Contains(apps.Json.EnumerateArray(), a => a.GetProperty("name").GetString() == good);
        await node.CliOk("env", "set", good, "AFTER=1");

        // The broken app says why; the skipped name is in the log.
        var env = await Eventually.Until(() => node.Cli("env", broken), r => r.Stderr.Contains("could not be recovered"), Within,
            "the broken app to report its journal");
        Assert.True(env.ExitCode != 0, env.ToString());
        Assert.Contains($"app '{broken}' could not be recovered from the journal", env.Stderr);
        Assert.Contains("skipping app \"x\\n\" found in the journal", node.Output);
    }
}
