using Engine.Journal;
using System.Diagnostics;
using Engine.Hosting;
using Engine.Projections;
using Engine.Tests.Support;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;
using Engine.Audit;
using S = Engine.Protocol.DeploymentStatus;

namespace Engine.Tests.Projections;

public sealed class DeploymentsProjectionTests(SeededJournal seed, ITestOutputHelper output) : IClassFixture<SeededJournal>, IDisposable
{
    private static readonly TimeSpan CatchUp = TimeSpan.FromSeconds(120);
    private readonly List<EngineSettings> _dataDirs = [];

    private static IEnumerable<DeploymentRow> Seeded(IEnumerable<string> apps) => apps.Order(StringComparer.Ordinal)
        .SelectMany(app => Enumerable.Range(1, SeededJournal.VersionsPerApp).Select(v => DeploymentHistory.Row(app, v)));

    [Fact]
    public async Task It_catches_up_on_10000_deployments_and_lists_them_per_app()
    {
        var settings = Copy();
        var clock = Stopwatch.StartNew();
        await using (await JournalNode.StartAsync(settings, projection: true))
            await CaughtUpAsync(settings, SeededJournal.Apps.Length * SeededJournal.VersionsPerApp);
        output.WriteLine($"caught up on {SeededJournal.Apps.Length * SeededJournal.VersionsPerApp} deployments in {clock.Elapsed.TotalSeconds:0.0} s");

        Assert.Equal(Seeded(SeededJournal.Apps), await DeploymentsTable.ListAsync(settings, null, default));
        var beta = await DeploymentsTable.ListAsync(settings, "beta", default);
        Assert.Equal(Seeded(["beta"]), beta);
        Assert.Equal(SeededJournal.VersionsPerApp / 3, beta.Count(r => r.Status == S.BuildError && r.Error == DeploymentHistory.Error("beta", r.Version)));
        Assert.Empty(await DeploymentsTable.ListAsync(settings, "nothing", default));
    }

    [Fact]
    public async Task After_a_restart_it_goes_on_from_its_offset_and_loses_or_doubles_nothing()
    {
        var settings = Copy();
        await using (var first = await JournalNode.StartAsync(settings, projection: true))
        {
            await CaughtUpAsync(settings, 10_000);
            // Under way when the node stops.
            await first.WriteAsync(DeploymentHistory.Begin("alpha", 2501));
            await Eventually.Until(() => DeploymentsTable.ListAsync(settings, "alpha", default),
                rows => rows.Any(r => r is { Version: 2501, Status: S.Building }), CatchUp, "alpha v2501 building");
        }
        // Replaying from the journal's start would bring this row back; going on from the offset does not.
        await ExecuteAsync(settings, "DELETE FROM engine_deployments WHERE id = 'alpha-v1'");
        await using (var writer = await JournalNode.StartAsync(settings, projection: false))
            await writer.WriteAsync(DeploymentHistory.Finish("alpha", 2501)
                .Concat(DeploymentHistory.Whole("epsilon", Enumerable.Range(1, 100))));

        await using (await JournalNode.StartAsync(settings, projection: true))
            await CaughtUpAsync(settings, 10_000 - 1 + 1 + 100);

        var expected = Seeded(SeededJournal.Apps).Where(r => r.Id != "alpha-v1")
            .Append(DeploymentHistory.Row("alpha", 2501))
            .Concat(Enumerable.Range(1, 100).Select(v => DeploymentHistory.Row("epsilon", v)))
            .OrderBy(r => r.App, StringComparer.Ordinal).ThenBy(r => r.Version);
        Assert.Equal(expected, await DeploymentsTable.ListAsync(settings, null, default));
    }

    [Fact]
    public async Task The_same_events_applied_twice_leave_the_same_table()
    {
        var settings = Copy();
        await using (await JournalNode.StartAsync(settings, projection: true))
            await CaughtUpAsync(settings, 10_000);
        var once = await DeploymentsTable.ListAsync(settings, null, default);
        var head = (await DeploymentsTable.ProgressAsync(settings, default)).JournalHead;

        await ExecuteAsync(settings, "UPDATE engine_projections SET last_ordering = 0");
        await using (await JournalNode.StartAsync(settings, projection: true))
            await Eventually.Until(() => DeploymentsTable.ProgressAsync(settings, default), p => p.Offset == head, CatchUp,
                "the projection to apply every event again");

        Assert.Equal(once, await DeploymentsTable.ListAsync(settings, null, default));
    }

    /// <summary>Every deployment listed, and the offset at the journal's last event.</summary>
    private static async Task CaughtUpAsync(EngineSettings settings, int deployments)
    {
        await Eventually.Until(() => DeploymentsTable.ListAsync(settings, null, default), rows => rows.Count == deployments, CatchUp,
            $"{deployments} deployments listed");
        await Eventually.Until(() => DeploymentsTable.ProgressAsync(settings, default), p => p.Behind == 0, CatchUp,
            "the projection's offset at the journal's last event");
    }

    private static async Task ExecuteAsync(EngineSettings settings, string sql)
    {
        await using var db = new SqliteConnection(JournalDatabase.ConnectionString(settings));
        await db.OpenAsync();
        await using var command = new SqliteCommand(sql, db);
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }

    private EngineSettings Copy()
    {
        var settings = seed.Copy();
        _dataDirs.Add(settings);
        return settings;
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        foreach (var settings in _dataDirs) Directory.Delete(settings.FullDataDir, recursive: true);
    }
}
