using System.Net;
using Engine.Containers;
using Engine.Tests.Support;
using Npgsql;

namespace Engine.Tests.Hosting;

/// <summary>`engine serve --journal postgres`: the same node on a real PostgreSQL server, and bad journal options
/// refused at start with one line.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresJournalEndToEndTests(PostgresServer postgres)
{
    [Fact]
    public async Task A_node_on_PostgreSQL_deploys_and_after_kill_9_serves_its_apps_with_their_env_and_history()
    {
        var connection = await postgres.NewDatabaseAsync("journal");
        await using var node = await EngineNode.StartAsync("--journal", "postgres", "--journal-connection", connection,
            "--start-timeout", "20", "--stop-grace", "2");
        var app = node.NewApp("pg");
        await node.CliOk("env", "set", app, "GREETING=hello");
        using var dir = new AppDir();
        await node.DeployAsync(dir, app);
        Assert.Equal((HttpStatusCode.OK, $"version v1 of {app}"), await node.Get(app));

        await node.KillAsync();
        await node.RestartAsync();

        await Eventually.Until(() => node.Get(app), r => r.Status == HttpStatusCode.OK, TimeSpan.FromSeconds(30), "v1 to serve again");
        Assert.Equal((HttpStatusCode.OK, $"version v1 of {app}"), await node.Get(app));
        Assert.Contains("GREETING=hello", (await node.Cli("env", app)).Stdout);
        var audit = await node.Cli("audit", app, "--json");
        Assert.True(audit.ExitCode == 0, audit.ToString());
        Assert.Contains(audit.Json.EnumerateArray(), e => e.GetProperty("type").GetString() == "DeploymentSucceeded");
        // The events are in PostgreSQL, tagged for the audit as on SQLite.
        await using var db = new NpgsqlConnection(connection);
        await db.OpenAsync();
        await using var query = new NpgsqlCommand("SELECT count(*) FROM tags WHERE tag = @tag", db);
        query.Parameters.AddWithValue("tag", $"app:{app}");
        Assert.True((long)(await query.ExecuteScalarAsync())! >= 10);
        Assert.False(File.Exists(Path.Combine(node.DataDir, "engine.db")) && new FileInfo(Path.Combine(node.DataDir, "engine.db")).Length > 0,
            "the SQLite journal was written although the node runs on PostgreSQL");
    }

    [Fact]
    public async Task Bad_journal_options_get_one_clear_line_and_exit_code_2()
    {
        var closedPort = FreePorts.Take(1)[0];
        var cases = new (string[] Args, string Expected)[]
        {
            (["--journal", "postgres", "--journal-connection", $"Host=127.0.0.1;Port={closedPort};Username=engine;Database=e"],
                $"error: cannot start: cannot reach the PostgreSQL journal at 127.0.0.1:{closedPort}/e: "),
            (["--journal", "postgres", "--journal-connection", postgres.ConnectionString("no_such_database")],
                $"error: cannot start: cannot reach the PostgreSQL journal at 127.0.0.1:{postgres.Port}/no_such_database: 3D000: database \"no_such_database\" does not exist"),
            (["--journal", "postgres", "--journal-connection", "Hots=x"],
                "error: cannot start: --journal-connection is not a PostgreSQL connection string: "),
            (["--journal", "postgres"], "error: cannot start: --journal postgres needs --journal-connection, e.g. "),
            (["--journal", "mysql"], "error: cannot start: --journal must be 'sqlite' or 'postgres', got 'mysql'"),
            (["--journal-connection", "Host=x"], "error: cannot start: --journal-connection is for --journal postgres; the SQLite journal lives in --data-dir"),
        };
        foreach (var (args, expected) in cases)
            Assert.StartsWith(expected, await EngineNode.RefusedServeAsync(args));
    }
}
