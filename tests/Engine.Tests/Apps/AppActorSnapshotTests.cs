using Akka.Actor;
using Engine.Apps;
using Engine.Hosting;
using Engine.Protocol;
using Engine.Tests.Projections;
using Engine.Tests.Support;
using Microsoft.Data.Sqlite;
using static Engine.Tests.Support.Deadlines;

namespace Engine.Tests.Apps;

/// <summary>The app actor on the engine's own journal and snapshot store (SQLite, the contract's serializer, env sealing).</summary>
public sealed class AppActorSnapshotTests : IAsyncLifetime
{
    private readonly EngineSettings _settings = new()
    {
        DataDir = Directory.CreateTempSubdirectory("engine-snapshots-").FullName, SnapshotEvery = 3,
    };
    private JournalNode _node = null!;

    public async Task InitializeAsync()
    {
        _settings.Prepare();
        _node = await JournalNode.StartAsync(_settings, projection: false);
    }

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_settings.DataDir, recursive: true);
    }

    private IActorRef Start() =>
        _node.System.ActorOf(AppActor.Props("snap", _settings, LocalWorkers.Instance, ActorRefs.Nobody));

    private async Task<List<long>> RowsAsync(string table)
    {
        await using var db = new SqliteConnection($"Data Source={_settings.DatabasePath};Mode=ReadOnly;Pooling=False");
        await db.OpenAsync();
        await using var query = db.CreateCommand();
        query.CommandText = $"SELECT sequence_number FROM {table} WHERE persistence_id = 'app-snap' ORDER BY sequence_number";
        await using var reader = await query.ExecuteReaderAsync();
        var rows = new List<long>();
        while (await reader.ReadAsync()) rows.Add(reader.GetInt64(0));
        return rows;
    }

    [Fact]
    public async Task An_app_recovers_from_its_latest_snapshot_and_the_events_after_it_and_keeps_every_event()
    {
        var app = Start();
        for (var i = 1; i <= 7; i++)
            await app.Ask<EnvView>(new ChangeEnv("snap", new Dictionary<string, string> { [$"K{i}"] = $"secret-{i}" }, []), Within);

        // Event 1 registers the app, then 2–8 set K1–K7. Snapshots after events 3 and 6; the older one goes once the newer
        // is saved.
        await Eventually.Until(() => RowsAsync("snapshot"), rows => rows.SequenceEqual([6L]), Within, "only the snapshot at event 6");
        await app.GracefulStop(Within);

        // Recovered from the snapshot (K1–K5: its events are not replayed) and events 7 and 8 after it.
        var env = await Start().Ask<EnvView>(new GetEnv("snap"), Within);
        Assert.Equal(Enumerable.Range(1, 7).Select(i => ($"K{i}", $"secret-{i}")), env.Env.Select(p => (p.Key, p.Value)).OrderBy(p => p.Key));
        // Every event stays in the journal: the audit reads them all.
        Assert.Equal(Enumerable.Range(1, 8).Select(i => (long)i), await RowsAsync("journal"));
        // The snapshot row holds env values sealed, as the event rows do.
        await using var db = new SqliteConnection($"Data Source={_settings.DatabasePath};Mode=ReadOnly;Pooling=False");
        await db.OpenAsync();
        await using var query = db.CreateCommand();
        query.CommandText = "SELECT snapshot FROM snapshot WHERE persistence_id = 'app-snap'";
        var payload = System.Text.Encoding.UTF8.GetString((byte[])(await query.ExecuteScalarAsync())!);
        Assert.Contains("\"K5\"", payload);
        Assert.DoesNotContain("secret-", payload);
    }
}
