using Engine.Hosting;
using Engine.Projections;
using Engine.Tests.Support;
using Microsoft.Data.Sqlite;
using S = Engine.Protocol.DeploymentStatus;

namespace Engine.Tests.Projections;

/// <summary>The table on each database the journal may live in: one SQL for both.</summary>
public abstract class DeploymentsTableTests
{
    protected abstract Task<EngineSettings> SettingsAsync();

    [Fact]
    public async Task Events_applied_again_or_late_change_nothing()
    {
        var settings = await SettingsAsync();
        var changes = DeploymentHistory.InOrder(DeploymentHistory.Whole("alpha", Enumerable.Range(1, 30))
                .Concat(DeploymentHistory.Begin("alpha", 31)))
            .Select(e => DeploymentChange.Of(e.Event, e.Ordering)).OfType<DeploymentChange>().ToList();
        var last = changes[^1].Ordering;
        await DeploymentsTable.StartAsync(settings, default); // creates the tables, as the projection does at start
        foreach (var batch in changes.Chunk(7)) await DeploymentsTable.ApplyAsync(settings, batch, batch[^1].Ordering, default);

        var once = await DeploymentsTable.ListAsync(settings, "alpha", default);
        Assert.Equal(Enumerable.Range(1, 30).Select(v => DeploymentHistory.Row("alpha", v))
            .Append(new DeploymentRow("alpha", "alpha-v31", 31, S.Building, DeploymentHistory.CreatedAt(31), null, null)), once);
        Assert.Equal(last, await DeploymentsTable.StartAsync(settings, default));

        // Again in order, then newest first (what a second, late projection would do): nothing moves back.
        await DeploymentsTable.ApplyAsync(settings, changes, last, default);
        await DeploymentsTable.ApplyAsync(settings, changes.AsEnumerable().Reverse().ToList(), last, default);
        Assert.Equal(once, await DeploymentsTable.ListAsync(settings, "alpha", default));
    }
}

public sealed class SqliteDeploymentsTableTests : DeploymentsTableTests, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("engine-table-").FullName;

    protected override Task<EngineSettings> SettingsAsync()
    {
        var settings = new EngineSettings { DataDir = _dir };
        settings.Prepare();
        return Task.FromResult(settings);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresDeploymentsTableTests(PostgresServer postgres) : DeploymentsTableTests, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("engine-table-").FullName;

    protected override async Task<EngineSettings> SettingsAsync()
    {
        var settings = new EngineSettings
        {
            DataDir = _dir, Journal = JournalKind.Postgres, JournalConnection = await postgres.NewDatabaseAsync("projection"),
        };
        settings.Prepare();
        return settings;
    }

    /// <summary>The whole projection on a PostgreSQL journal: the read journal's query and the table's SQL there.</summary>
    [Fact]
    public async Task The_projection_lists_deployments_from_a_PostgreSQL_journal()
    {
        var settings = await SettingsAsync();
        string[] apps = ["one", "two", "three"];
        await using var node = await JournalNode.StartAsync(settings, projection: true);
        await node.WriteAsync(apps.SelectMany(app => DeploymentHistory.Whole(app, Enumerable.Range(1, 100))));

        await Eventually.Until(() => DeploymentsTable.ProgressAsync(settings, default), p => p is { Behind: 0, Offset: > 0 },
            Deadlines.Within, "the projection at the journal's last event");
        Assert.Equal(apps.Order(StringComparer.Ordinal).SelectMany(app => Enumerable.Range(1, 100).Select(v => DeploymentHistory.Row(app, v))),
            await DeploymentsTable.ListAsync(settings, null, default));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
