using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Data.Sqlite;

namespace Engine.Bench;

/// <summary>Scenario 5: a journal of many events over many apps (env changes, plus a few routed apps): node restart
/// until the admin API answers and until every routed app serves, the deployments listing and the audit of one app —
/// each against a raw query over the same SQLite database.</summary>
public static class JournalScale
{
    public static async Task<IReadOnlyList<Figure>> RunAsync(string engineDll, string? client, int apps, int eventsPerApp, int routed,
        int queries, Action<string> progress, List<string> notes)
    {
        await using var node = await BenchNode.StartAsync(engineDll, client);
        var names = Enumerable.Range(1, apps).Select(i => $"bench-j{i}").ToList();
        // The floor of a restart: the same node on an empty journal (process start, JIT, Kestrel, Akka, Docker).
        var emptyRestart = new List<double>();
        for (var r = 0; r < 3; r++)
        {
            progress($"journal scale: empty restart {r + 1}");
            var empty = Stopwatch.StartNew();
            await node.RestartAsync();
            emptyRestart.Add(empty.Elapsed.TotalSeconds);
        }
        var clock = Stopwatch.StartNew();
        await FillAsync(node, names, eventsPerApp, progress);
        using var app = new BenchApp();
        // A few deploys at once: each is its own app, as a user with several apps would run them.
        await Parallel.ForEachAsync(names.Take(routed), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (name, _) =>
        {
            progress($"journal scale: deploying {name}");
            (await node.Cli("deploy", app.Path, "--app", name)).EnsureSuccess($"deploy of {name}");
        });
        var events = await ScalarAsync(node, "SELECT COUNT(*) FROM journal");
        notes.Add($"journal scale: {events} events over {apps} apps ({routed} routed) written in {clock.Elapsed.TotalSeconds:0} s through the admin API");

        var restartAdmin = new List<double>();
        var restartRouted = new List<double>();
        var rawReplay = new List<double>();
        for (var r = 0; r < Math.Max(1, queries / 5); r++)
        {
            progress($"journal scale: restart {r + 1}");
            var restart = Stopwatch.StartNew();
            await node.RestartAsync();
            restartAdmin.Add(restart.Elapsed.TotalSeconds);
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
            foreach (var name in names.Take(routed))
                while (await node.GetAsync(name) is not { Status: HttpStatusCode.OK })
                {
                    if (DateTime.UtcNow > deadline) throw new TimeoutException($"{name} was not served within 2 minutes of the restart");
                    await Task.Delay(20);
                }
            restartRouted.Add(restart.Elapsed.TotalSeconds);
            rawReplay.Add(await TimeQueryAsync(node, "SELECT persistence_id, sequence_number, message FROM journal ORDER BY ordering"));
        }

        var probe = names[0];
        using var http = new HttpClient { BaseAddress = new Uri(node.AdminUrl), Timeout = TimeSpan.FromMinutes(2) };
        var listing = new List<double>();
        var rawListing = new List<double>();
        var audit = new List<double>();
        var rawAudit = new List<double>();
        for (var q = 0; q < queries; q++)
        {
            progress($"journal scale: queries {q + 1}/{queries}");
            listing.Add(await TimeGetAsync(http, $"api/apps/{probe}/deployments"));
            rawListing.Add(await TimeQueryAsync(node, "SELECT persistence_id, sequence_number, created, manifest, message FROM journal " +
                $"WHERE persistence_id = 'app-{probe}' OR persistence_id LIKE 'deployment-{probe}-v%' ORDER BY ordering", decode: true));
            audit.Add(await TimeGetAsync(http, $"api/apps/{probe}/audit"));
            // The same rows the audit reads (the app's tag), each event decoded as the audit does.
            rawAudit.Add(await TimeQueryAsync(node, "SELECT j.persistence_id, j.sequence_number, j.created, j.manifest, j.message FROM tags t " +
                $"JOIN journal j ON j.ordering = t.ordering_id WHERE t.tag = 'app:{probe}' AND j.deleted = 0 ORDER BY t.ordering_id",
                decode: true));
        }
        notes.Add($"journal scale: a raw read of every journal row takes {Stats.Median(rawReplay):0.000} s (median of {rawReplay.Count})");
        var label = $"5 journal scale ({events} events)";
        return
        [
            new Figure(label, "restart until the admin API answers", "s", Stats.Median(restartAdmin), "restart on an empty journal",
                Stats.Median(emptyRestart), restartAdmin.Count, Stats.Spread(restartAdmin)),
            new Figure(label, "restart until every routed app serves", "s", Stats.Median(restartRouted), "restart on an empty journal",
                Stats.Median(emptyRestart), restartRouted.Count, Stats.Spread(restartRouted)),
            new Figure(label, "deployments of one app (admin API)", "s", Stats.Median(listing), "raw query", Stats.Median(rawListing),
                queries, Stats.Spread(listing, "0.0000")),
            new Figure(label, "audit of one app (admin API)", "s", Stats.Median(audit), "raw query", Stats.Median(rawAudit),
                queries, Stats.Spread(audit, "0.0000")),
        ];
    }

    /// <summary>Env changes through the admin API, one event per request. Each app first gets its registration (the
    /// registry journals those one by one), then requests run many at a time across apps, so the journal's writer
    /// batches events of different apps into one transaction as it would under real load; one app's own events stay
    /// in order.</summary>
    private static async Task FillAsync(BenchNode node, IReadOnlyList<string> names, int eventsPerApp, Action<string> progress)
    {
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Concurrency })
            { BaseAddress = new Uri(node.AdminUrl), Timeout = TimeSpan.FromMinutes(2) };
        var total = names.Count * eventsPerApp;
        var done = 0;
        async Task Set(string app, int i, CancellationToken ct)
        {
            var body = new { set = new Dictionary<string, string> { [$"K{i % 10}"] = $"value-{i}" }, unset = Array.Empty<string>() };
            using var response = await http.PatchAsJsonAsync($"api/apps/{app}/env", body, ct);
            if (!response.IsSuccessStatusCode)
                throw new InvalidOperationException($"env set on {app} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
            if (Interlocked.Increment(ref done) % 5000 == 0) progress($"journal scale: {done}/{total} events written");
        }
        var options = new ParallelOptions { MaxDegreeOfParallelism = Concurrency };
        if (eventsPerApp == 0) return;
        // The registry journals registrations one at a time: more at once only queue (and time out on a busy machine).
        await Parallel.ForEachAsync(names, new ParallelOptions { MaxDegreeOfParallelism = 4 }, (app, ct) => new ValueTask(Set(app, 1, ct)));
        await Parallel.ForEachAsync(names, options, async (app, ct) =>
        {
            for (var i = 2; i <= eventsPerApp; i++) await Set(app, i, ct);
        });
    }

    /// <summary>Requests in flight while filling the journal.</summary>
    private const int Concurrency = 64;

    private static async Task<double> TimeGetAsync(HttpClient http, string path)
    {
        var clock = Stopwatch.StartNew();
        using var response = await http.GetAsync(path);
        await response.Content.ReadAsByteArrayAsync();
        response.EnsureSuccessStatusCode();
        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>Opens the database read-only, runs the query and reads every column of every row; with
    /// <paramref name="decode"/>, also parses the last column (the event's JSON) and reads its type, as a person querying the
    /// journal by hand would need to.</summary>
    private static async Task<double> TimeQueryAsync(BenchNode node, string sql, bool decode = false)
    {
        var clock = Stopwatch.StartNew();
        await using var db = new SqliteConnection($"Data Source={node.DatabasePath};Mode=ReadOnly;Pooling=False");
        await db.OpenAsync();
        await using var command = db.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync();
        var values = new object[reader.FieldCount];
        var types = 0;
        while (await reader.ReadAsync())
        {
            reader.GetValues(values);
            if (!decode) continue;
            using var json = System.Text.Json.JsonDocument.Parse((byte[])values[^1]);
            // Its type: the manifest, or in a journal from before the stable contract the CLR name inside the JSON.
            if (json.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object
                && (values[^2] is string { Length: > 0 } || json.RootElement.TryGetProperty("$type", out _))) types++;
        }
        if (decode && types == 0) throw new InvalidOperationException($"no event decoded by: {sql}");
        return clock.Elapsed.TotalSeconds;
    }

    private static async Task<long> ScalarAsync(BenchNode node, string sql)
    {
        await using var db = new SqliteConnection($"Data Source={node.DatabasePath};Mode=ReadOnly;Pooling=False");
        await db.OpenAsync();
        await using var command = db.CreateCommand();
        command.CommandText = sql;
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
