using System.Text.Json;
using System.Text.Json.Nodes;
using Engine.Apps;
using Engine.Audit;
using Engine.Deployments;
using Engine.Hosting;
using Engine.Tests.Projections;
using Engine.Tests.Support;
using Microsoft.Data.Sqlite;
using Engine.Protocol;
using Engine.Runs;
using Engine.Serialization;

namespace Engine.Tests.Serialization;

/// <summary>Each Golden/vN is a journal a real node wrote (Golden/write-golden.sh: two successful deployments, a hook-error,
/// env changes, a scale, a restart, a revived container, an idle app; from v2 on, two rollbacks). This version must read
/// every row of each and recover exactly the states in its expected-state.json. An event changes only under a new
/// manifest, or with an adapter that upcasts the old one on read: either way this test stays green, and the files are
/// never rewritten.</summary>
public sealed class GoldenJournalTests : IDisposable
{
    private static string Golden(string version) => Repository.Combine("tests", "Engine.Tests", "Golden", version);
    private readonly string _data = Directory.CreateTempSubdirectory("engine-golden-").FullName;

    private void CopyJournal(string version)
    {
        foreach (var file in new[] { "engine.db", "secret.key" }) File.Copy(Path.Combine(Golden(version), file), Path.Combine(_data, file));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_data, recursive: true);
    }

    [Theory]
    [InlineData("v1")]
    [InlineData("v2")]
    [InlineData("v3")]
    [InlineData("v4")]
    public async Task Every_event_of_the_golden_journal_is_read_and_recovers_the_expected_states(string version)
    {
        CopyJournal(version);
        var settings = new EngineSettings { DataDir = _data };
        settings.Prepare();
        await using var node = await JournalNode.StartAsync(settings, projection: false);
        var events = await new JournalReader(node.System, settings).AllAsync(CancellationToken.None);
        Assert.Equal(ContractRows(), events.Count(e => e.Event is IEngineMessage));

        var registry = new SortedDictionary<string, bool>(StringComparer.Ordinal); // app -> idle
        var apps = new SortedDictionary<string, AppState>(StringComparer.Ordinal);
        var deployments = new SortedDictionary<string, DeploymentState>(StringComparer.Ordinal);
        var runs = new SortedDictionary<string, RunsState>(StringComparer.Ordinal);
        foreach (var e in events)
            switch (e.Event)
            {
                case AppRegistered r when e.PersistenceId == AppsIndex.LegacyRegistry: registry[r.App] = r.Idle == true; break;
                case AppDeploying d when e.PersistenceId == AppsIndex.LegacyRegistry: registry[d.App] = false; break;
                case IDeploymentEvent d when e.PersistenceId.StartsWith(DeploymentActor.PersistencePrefix):
                    deployments[e.PersistenceId] = deployments.GetValueOrDefault(e.PersistenceId, new DeploymentState()).Apply(d);
                    break;
                case IAppEvent a when e.PersistenceId.StartsWith(RunsActor.PersistencePrefix):
                    runs[a.App] = runs.GetValueOrDefault(a.App, new RunsState(a.App)).Apply(a);
                    break;
                case IAppEvent a when e.PersistenceId.StartsWith(AppActor.PersistencePrefix):
                    apps[a.App] = apps.GetValueOrDefault(a.App, new AppState(a.App)).Apply(a);
                    break;
            }
        var expected = File.ReadAllText(Path.Combine(Golden(version), "expected-state.json")).Trim();
        var derived = version switch
        {
            "v1" => DerivedSinceV1.Append(RunsSinceV3).Concat(ControlsSinceV4).ToHashSet(),
            "v2" => ControlsSinceV4.Append(RunsSinceV3).ToHashSet(),
            "v3" => ControlsSinceV4.ToHashSet(),
            _ => new HashSet<string>(),
        };
        var actual = Canonical(JsonSerializer.SerializeToNode(new { registry, apps, deployments, runs }, Rendering)!, derived).ToJsonString(Rendering);
        if (actual != expected)
        {
            var written = Path.Combine(Path.GetTempPath(), $"golden-{version}-actual-state.json");
            File.WriteAllText(written, actual);
            Assert.Fail($"the golden journal recovers other states than expected-state.json; this version's are in {written}");
        }
    }

    [Fact]
    public async Task A_journal_written_before_the_contract_stops_the_node_at_start_with_one_line()
    {
        CopyJournal("v1");
        // As the engine wrote it before: Akka's default JSON serializer, a CLR type name in the row.
        await using (var db = new SqliteConnection($"Data Source={Path.Combine(_data, "engine.db")}"))
        {
            await db.OpenAsync();
            await using var old = db.CreateCommand();
            old.CommandText = """UPDATE journal SET identifier = 1, manifest = '', message = CAST('{"$type":"Engine.Apps.AppRegistered, engine","App":"shop"}' AS BLOB) WHERE ordering = 2""";
            Assert.Equal(1, await old.ExecuteNonQueryAsync());
        }
        SqliteConnection.ClearAllPools();
        var line = await EngineNode.RefusedServeInAsync(_data);
        Assert.Contains("was written by an engine version before its stable event contract", line);
        Assert.Contains("start on a new journal (move the file aside)", line);
        // Nothing was half-read, and nothing written.
        Assert.Equal(ContractRows() + 1, Rows("SELECT COUNT(*) FROM journal WHERE identifier IN (1, 1907)"));
    }

    private long ContractRows() => Rows($"SELECT COUNT(*) FROM journal WHERE identifier = {EngineSerializer.Id}");

    private long Rows(string sql)
    {
        using var db = new SqliteConnection($"Data Source={Path.Combine(_data, "engine.db")};Mode=ReadOnly");
        db.Open();
        using var count = db.CreateCommand();
        count.CommandText = sql;
        return (long)count.ExecuteScalar()!;
    }

    private static readonly JsonSerializerOptions Rendering = new()
    {
        WriteIndented = true, IgnoreReadOnlyProperties = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
    };

    /// <summary>State that versions after v1 derive from the same events, not in expected-state.json: AppState.Releases,
    /// DeploymentRef.Rollback, DeploymentState.Reuse. Every other value must be as v1 recovered it.</summary>
    private static readonly IReadOnlySet<string> DerivedSinceV1 = new HashSet<string> { "releases", "rollback", "reuse" };

    /// <summary>One-off runs' histories, which journals before v3 do not have.</summary>
    private const string RunsSinceV3 = "runs";

    /// <summary>An app's lock, maintenance mode and checks, and a deployment's checks, which journals before v4 do not have.</summary>
    private static readonly IReadOnlyList<string> ControlsSinceV4 = ["lock", "maintenance", "checks"];

    /// <summary>Keys in order: hashed collections enumerate in a different order in each process.</summary>
    private static JsonNode Canonical(JsonNode node, IReadOnlySet<string> left) => node switch
    {
        JsonObject o => new JsonObject(o.Where(p => !left.Contains(p.Key)).OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => KeyValuePair.Create(p.Key, p.Value is null ? null : Canonical(p.Value, left)))),
        JsonArray a => new JsonArray(a.Select(v => v is null ? null : Canonical(v, left)).ToArray()),
        _ => node.DeepClone(),
    };
}
