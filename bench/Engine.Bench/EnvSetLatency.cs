using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Engine.Bench;

/// <summary>Scenario 6: 100 concurrent `env set` calls (PATCH /api/apps/APP/env), one per app, through one node's admin
/// API: each is a journal write in its app. The peer is the same 100 calls as reads (GET /api/apps/APP/env): the same
/// way in (HTTP, the admin API, the path to the app's actor) without the write, so the figure shows what a write adds
/// to it. Rounds alternate write, read, write, read; p99 over every call of a side.</summary>
public static class EnvSetLatency
{
    private const int Apps = 100;
    private const int Rounds = 10;

    public static async Task<IReadOnlyList<Figure>> RunAsync(BenchNode node, Action<string> progress, List<string> notes)
    {
        using var http = new HttpClient { BaseAddress = new Uri(node.AdminUrl), Timeout = TimeSpan.FromSeconds(60) };
        var batch = Guid.NewGuid().ToString("N")[..6];
        var apps = Enumerable.Range(1, Apps).Select(i => $"bench-e{batch}-{i}").ToList();
        progress($"envset: creating {Apps} apps");
        foreach (var app in apps) await SetAsync(http, app, 0); // registered once: the rounds measure apps that exist
        var writes = new List<double>();
        var reads = new List<double>();
        var writeP99s = new List<double>();
        for (var round = 1; round <= Rounds; round++)
        {
            progress($"envset: round {round} of {Rounds}");
            var w = await AllAtOnceAsync(apps, app => SetAsync(http, app, round));
            var r = await AllAtOnceAsync(apps, app => GetAsync(http, app));
            writes.AddRange(w);
            reads.AddRange(r);
            writeP99s.Add(Stats.Quantile(w, 0.99));
        }
        notes.Add(string.Create(CultureInfo.InvariantCulture,
            $"env set: {Apps} apps at once, {Rounds} rounds; median write {Stats.Median(writes):0.0} ms, median read {Stats.Median(reads):0.0} ms"));
        return [new Figure($"6 envset (env set on {Apps} apps at once)", "p99 latency of one call", "ms", Stats.Quantile(writes, 0.99),
            "the same calls as reads (GET env)", Stats.Quantile(reads, 0.99), Rounds, "per-round p99 " + Stats.Spread(writeP99s, "0.0"))];
    }

    /// <summary>Milliseconds of each call, all started together.</summary>
    private static async Task<List<double>> AllAtOnceAsync(IReadOnlyList<string> apps, Func<string, Task> call)
    {
        using var go = new SemaphoreSlim(0);
        var calls = apps.Select(async app =>
        {
            await go.WaitAsync();
            var clock = Stopwatch.StartNew();
            await call(app);
            return clock.Elapsed.TotalMilliseconds;
        }).ToList();
        go.Release(apps.Count);
        return [.. await Task.WhenAll(calls)];
    }

    private static async Task SetAsync(HttpClient http, string app, int round)
    {
        using var body = new StringContent($$"""{"set":{"ROUND":"{{round}}"},"unset":[]}""", Encoding.UTF8, "application/json");
        using var response = await http.PatchAsync($"/api/apps/{app}/env", body);
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"env set on {app}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    private static async Task GetAsync(HttpClient http, string app)
    {
        using var response = await http.GetAsync($"/api/apps/{app}/env");
        if (!response.IsSuccessStatusCode)
            throw new InvalidOperationException($"env of {app}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }
}
