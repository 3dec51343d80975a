using System.Net;
using System.Text;
using Engine.Audit;
using Engine.Tests.Support;
using Npgsql;
using Engine.Apps;

namespace Engine.Tests.Cluster;

/// <summary>One writer per history: a restarted seed rejoins the cluster instead of forming another, and a node that
/// is not the cluster's (an island, or a frozen node the others downed) cannot write an app's or the coordinator's
/// history, because the journal writes only what this node holds the lease for.</summary>
[Collection(PostgresCollection.Name)]
public sealed class SplitBrainTests(PostgresServer postgres)
{
    private static readonly TimeSpan Takeover = TimeSpan.FromSeconds(60);
    private const string NoDocker = "unix:///nonexistent/docker.sock";

    private sealed record Nodes(EngineNode C1, EngineNode C2, EngineNode Worker, string C1Address, string C2Address);

    /// <summary>Two control+router nodes without Docker and a worker, on the given cluster ports, all up.</summary>
    private static async Task<Nodes> StartNodesAsync(TestCluster cluster, IReadOnlyList<int>? ports = null)
    {
        string[] Port(int i) => ports is null ? [] : ["--cluster-port", ports[i].ToString()];
        var c1 = await cluster.StartNodeAsync("control,router", ["--docker-host", NoDocker, .. Port(0)]);
        var c2 = await cluster.StartNodeAsync("control,router", ["--docker-host", NoDocker, .. Port(1)]);
        var worker = await cluster.StartNodeAsync("worker", Port(2));
        var c1Address = (await TestCluster.AllUpAsync(c1, 4)).Json.GetProperty("self").GetString()!;
        var c2Address = (await TestCluster.AllUpAsync(c2, 4)).Json.GetProperty("self").GetString()!;
        return new Nodes(c1, c2, worker, c1Address, c2Address);
    }

    private static async Task<string[]> UpMembersAsync(EngineNode node) =>
        [.. (await node.Cli("cluster", "show", "--json")).Json.GetProperty("members").EnumerateArray()
            .Where(m => m.GetProperty("status").GetString() == "up").Select(m => m.GetProperty("address").GetString()!).Order()];

    /// <summary>kill -9 of the Lighthouse, then waits until the engine node no longer counts it (downed and removed).</summary>
    private static async Task KillLighthouseAsync(TestCluster cluster, EngineNode observer)
    {
        await cluster.Lighthouse.DisposeAsync();
        await Eventually.Until(() => UpMembersAsync(observer), up => up.Length == 3 && !up.Contains(cluster.Seed), Takeover,
            "the killed Lighthouse to be removed");
    }

    private static async Task AssertVerifiedAsync(EngineNode node)
    {
        var verify = await node.Cli("audit", "verify", "--json");
        Assert.True(verify.ExitCode == 0, verify.ToString());
        Assert.Equal(0, verify.Json.GetProperty("findings").GetArrayLength());
    }

    [Fact]
    public async Task A_restarted_Lighthouse_that_names_the_other_nodes_rejoins_their_cluster_and_every_history_keeps_one_writer()
    {
        var ports = TestPorts.Take(3);
        await using var cluster = await TestCluster.StartAsync(postgres, [.. ports]);
        var nodes = await StartNodesAsync(cluster, ports);
        var app = nodes.C1.NewApp("seed");
        using var dir = new AppDir();
        await nodes.C1.DeployAsync(dir, app);

        // The issue's repro: the seed killed and started again, then c2 restarted with the seed as its only seed.
        await KillLighthouseAsync(cluster, nodes.C1);
        await cluster.RestartLighthouseAsync();
        await nodes.C2.KillAsync();
        await nodes.C2.RestartAsync();

        // One cluster: both control nodes see the same four members up, the restarted seed among them.
        await TestCluster.AllUpAsync(nodes.C1, 4);
        await TestCluster.AllUpAsync(nodes.C2, 4);
        Assert.Equal(await UpMembersAsync(nodes.C1), await UpMembersAsync(nodes.C2));
        Assert.Contains(cluster.Seed, await UpMembersAsync(nodes.C1));
        Assert.DoesNotContain("forming a new cluster", cluster.Lighthouse.Output);

        // A deploy through c2 goes to the one owner of the app, and the journal holds one writer per history.
        File.WriteAllText(Path.Combine(dir.Path, "revision"), "2");
        await nodes.C2.DeployAsync(dir, app);
        Assert.Equal((HttpStatusCode.OK, $"version v2 of {app}"), await nodes.C1.Get(app));
        await AssertVerifiedAsync(nodes.C1);
    }

    [Fact]
    public async Task An_island_formed_by_a_seed_that_names_only_itself_cannot_take_the_coordinator_a_singleton_or_an_app()
    {
        await using var cluster = await TestCluster.StartAsync(postgres);
        var nodes = await StartNodesAsync(cluster);
        var app = nodes.C1.NewApp("island");
        await nodes.C1.CliOk("env", "set", app, "A=1");

        // The seed restarted with only itself forms a second cluster, and c2, restarted with it as its only seed, joins it.
        await KillLighthouseAsync(cluster, nodes.C1);
        await cluster.RestartLighthouseAsync(alone: true);
        await nodes.C2.KillAsync();
        await Eventually.Until(() => UpMembersAsync(nodes.C1), up => up.Length == 2, Takeover, "c2 to be removed from c1's cluster");
        await Eventually.Until(() => nodes.C1.Cli("env", app), r => r.ExitCode == 0, Takeover, "c1 to own the app");
        var before = await MaxOrderingAsync(cluster.Journal);
        await nodes.C2.RestartUnjoinedAsync();
        await Eventually.Until(() => UpMembersAsync(nodes.C2), up => up.Length == 2 && up.Contains(cluster.Seed), Takeover,
            "c2 to join the island");

        // The island's control node asks for the app and a new one (a deploy would wait, as `engine deploy` follows
        // through the 503s): it holds none of the leases, so nothing it does reaches the journal.
        Assert.NotEqual(0, (await nodes.C2.Cli("env", "set", app, "B=2")).ExitCode);
        Assert.NotEqual(0, (await nodes.C2.Cli("env", "set", nodes.C2.NewApp("island"), "C=3")).ExitCode);
        // A writer uuid names one node's journal incarnation: c1's wrote before; the island's would be new.
        var all = await RowsAfterAsync(cluster.Journal, 0);
        var known = all.Where(r => r.Ordering <= before).Select(r => r.Writer).ToHashSet();
        var island = all.Where(r => r.Ordering > before && !known.Contains(r.Writer)
                                    && !r.PersistenceId.StartsWith("operator-", StringComparison.Ordinal)).ToList();
        Assert.True(island.Count == 0, "the island wrote: " + string.Join(", ", island));
        Assert.StartsWith(nodes.C1Address + "#", await LeaseOwnerAsync(cluster.Journal, "engine-singleton-akka://engine/system/sharding/appCoordinator"));
        Assert.StartsWith(nodes.C1Address + "#", await LeaseOwnerAsync(cluster.Journal, "engine-singleton-akka://engine/user/apps-startup"));

        // The cluster goes on: c1 writes the app, and the journal has one writer per history.
        await nodes.C1.CliOk("env", "set", app, "D=4");
        var env = (await nodes.C1.Cli("env", app, "--json")).Json;
        Assert.False(env.TryGetProperty("B", out _));
        Assert.Equal("4", env.GetProperty("D").GetString());
        await AssertVerifiedAsync(nodes.C1);
    }

    [Fact]
    public async Task A_frozen_owner_resumed_after_the_takeover_writes_nothing_even_for_a_request_it_took_while_frozen()
    {
        await using var cluster = await TestCluster.StartAsync(postgres);
        var nodes = await StartNodesAsync(cluster);
        // An app of the oldest control node, which also runs the coordinator: a request to it goes nowhere else. Its
        // shard's lease says where it lives.
        var app = "";
        for (var i = 0; i < 40 && app.Length == 0; i++)
        {
            var candidate = nodes.C1.NewApp("frozen");
            var set = await nodes.C1.Cli("env", "set", candidate, "A=1");
            Assert.True(set.ExitCode == 0, set.ToString());
            if ((await LeaseOwnerAsync(cluster.Journal, ShardLease(candidate)))?.StartsWith(nodes.C1Address + "#") == true)
                app = candidate;
        }
        Assert.True(app.Length > 0, "no app landed on the oldest control node");
        var before = await MaxOrderingAsync(cluster.Journal);

        await nodes.C1.SignalAsync(freeze: true);
        Task<HttpResponseMessage> late;
        using var http = new HttpClient { Timeout = Takeover };
        try
        {
            // The app never deployed, so nothing starts it again until it is asked (idle apps start on demand).
            await Eventually.Until(() => nodes.C2.Cli("env", app), r => r.ExitCode == 0, Takeover, "c2 to answer for the app");
            Assert.StartsWith(nodes.C2Address + "#", await LeaseOwnerAsync(cluster.Journal, ShardLease(app)));
            // Sent while c1 is frozen: the kernel queues it, and c1 handles it the instant it resumes, before it hears
            // that it was downed.
            late = http.PatchAsync($"{nodes.C1.AdminUrl}/api/apps/{app}/env",
                new StringContent("""{"set":{"LATE":"1"}}""", Encoding.UTF8, "application/json"));
        }
        finally
        {
            await nodes.C1.SignalAsync(freeze: false);
        }

        Assert.Equal(3, await nodes.C1.WaitForExitAsync(Takeover));
        try { Assert.NotEqual(HttpStatusCode.OK, (await late).StatusCode); }
        catch (HttpRequestException) { } // or the node went before it answered
        var written = await RowsAfterAsync(cluster.Journal, before);
        var c1Writers = (await RowsAfterAsync(cluster.Journal, 0)).Where(r => r.Ordering <= before && r.Node == nodes.C1Address)
            .Select(r => r.Writer).ToHashSet();
        Assert.NotEmpty(c1Writers);
        Assert.DoesNotContain(written, r => r.Node == nodes.C1Address || c1Writers.Contains(r.Writer));
        Assert.False((await nodes.C2.Cli("env", app, "--json")).Json.TryGetProperty("LATE", out _));
        await nodes.C2.CliOk("env", "set", app, "B=2");
        await AssertVerifiedAsync(nodes.C2);
    }

    private static string ShardLease(string app) => $"engine-shard-{AppMessageExtractor.RegionName}-{AppMessageExtractor.ShardOf(app)}";

    private static async Task<string?> LeaseOwnerAsync(string journal, string lease)
    {
        await using var leases = new Engine.Hosting.LeaseTable(journal, Engine.Hosting.JournalLeases.TimeToLive);
        return (await leases.HolderAsync(lease, CancellationToken.None))?.Owner;
    }

    private sealed record Row(long Ordering, string PersistenceId, string? Writer, string? Node);

    private static async Task<long> MaxOrderingAsync(string journal)
    {
        await using var db = new NpgsqlConnection(journal);
        await db.OpenAsync();
        await using var query = new NpgsqlCommand("SELECT coalesce(max(ordering), 0) FROM journal", db);
        return (long)(await query.ExecuteScalarAsync())!;
    }

    /// <summary>The journal's rows after an ordering, with the writing incarnation and the node tag of app events.</summary>
    private static async Task<List<Row>> RowsAfterAsync(string journal, long ordering)
    {
        await using var db = new NpgsqlConnection(journal);
        await db.OpenAsync();
        await using var query = new NpgsqlCommand($"""
            SELECT j.ordering, j.persistence_id, j.writer_uuid,
              (SELECT substr(t.tag, {AppEventTagger.NodePrefix.Length + 1}) FROM tags t WHERE t.ordering_id = j.ordering AND t.tag LIKE '{AppEventTagger.NodePrefix}%')
            FROM journal j WHERE j.ordering > @after ORDER BY j.ordering
            """, db);
        query.Parameters.AddWithValue("after", ordering);
        await using var reader = await query.ExecuteReaderAsync();
        var rows = new List<Row>();
        while (await reader.ReadAsync())
            rows.Add(new Row(reader.GetInt64(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3)));
        return rows;
    }
}
