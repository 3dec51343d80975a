using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Engine.Bench;

/// <summary>Scenario 3: a steady request loop through the router while the app is redeployed with a slow hook, then
/// with a failing one. Counts every failed request and every answer from a version whose hook had not yet succeeded
/// (per the journal), and plots latency over time.</summary>
public static partial class SwitchUnderLoad
{
    private sealed record Sample(double AtSeconds, DateTimeOffset Answered, double LatencyMs, int Status, int? Version);

    public static async Task<IReadOnlyList<Figure>> RunAsync(BenchNode node, int switches, int failing, string hook,
        TimeSpan steady, string plotPath, Action<string> progress, List<string> notes)
    {
        var app = $"bench-switch-{Guid.NewGuid().ToString("N")[..6]}";
        using var good = new BenchApp(hook);
        using var bad = new BenchApp("exit 1");
        (await node.Cli("deploy", good.Path, "--app", app)).EnsureSuccess("the first deploy");

        var samples = new ConcurrentBag<Sample>();
        var clock = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(30)); // the loop's own deadline
        var load = Enumerable.Range(0, 4).Select(_ => LoopAsync(node, app, clock, samples, stop.Token)).ToList();
        try
        {
            progress($"switch under load: {steady.TotalSeconds:0} s of steady load");
            await Task.Delay(steady);
            var steadyUntil = clock.Elapsed.TotalSeconds;
            for (var i = 1; i <= switches + failing; i++)
            {
                var failingHook = i > switches;
                progress($"switch under load: deploy {i}/{switches + failing}{(failingHook ? " (failing hook)" : "")}");
                var dir = failingHook ? bad : good;
                dir.Revise(i);
                var result = await node.Cli("deploy", dir.Path, "--app", app);
                if (result.ExitCode != (failingHook ? 1 : 0))
                    throw new InvalidOperationException($"deploy {i} exited {result.ExitCode}: {result.Stderr}");
            }
            await stop.CancelAsync();
            await Task.WhenAll(load);

            var switchedAt = await HookSucceededAtAsync(node, app);
            var all = samples.OrderBy(s => s.AtSeconds).ToList();
            var failed = all.Count(s => s.Status != 200);
            var early = all.Count(s => s.Version is { } v && (!switchedAt.TryGetValue(v, out var at) || s.Answered < at));
            var steadyP99 = Stats.Quantile(all.Where(s => s.AtSeconds < steadyUntil).Select(s => s.LatencyMs).ToList(), 0.99);
            var switchingLatency = all.Where(s => s.AtSeconds >= steadyUntil).Select(s => s.LatencyMs).ToList();
            await PlotAsync(all, switchedAt, clock, plotPath);
            notes.Add($"switch under load: {all.Count} requests by 4 keep-alive loops, {switches} switches with hook `{hook}` " +
                      $"and {failing} deploys with a failing hook; latency over time in {Path.GetFileName(plotPath)}");
            return
            [
                new Figure("3 switch under load", "failed requests", "count", failed, "target", 0, all.Count, "-"),
                new Figure("3 switch under load", "answers from a version before its hook succeeded", "count", early, "target", 0, all.Count, "-"),
                new Figure("3 switch under load", "p99 latency while switching", "ms", Stats.Quantile(switchingLatency, 0.99),
                    "same loop, no deploys", steadyP99, switches + failing, Stats.Spread(switchingLatency)),
            ];
        }
        finally
        {
            await stop.CancelAsync();
        }
    }

    private static async Task LoopAsync(BenchNode node, string app, Stopwatch clock, ConcurrentBag<Sample> samples, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            var start = clock.Elapsed;
            var answer = await node.GetAsync(app);
            var latency = (clock.Elapsed - start).TotalMilliseconds;
            var version = answer is { Body: var body } && VersionPattern().Match(body) is { Success: true } m ? int.Parse(m.Groups[1].Value) : (int?)null;
            samples.Add(new Sample(start.TotalSeconds, DateTimeOffset.UtcNow, latency, (int?)answer?.Status ?? 0, version));
        }
    }

    /// <summary>Per version, when its hook succeeded: the journal's SwitchStarted. Versions without one never may answer.</summary>
    private static async Task<Dictionary<int, DateTimeOffset>> HookSucceededAtAsync(BenchNode node, string app)
    {
        var audit = (await node.Cli("audit", app, "--json")).EnsureSuccess("engine audit");
        return JsonDocument.Parse(audit.Stdout).RootElement.EnumerateArray()
            .Where(e => e.GetProperty("type").GetString() == "SwitchStarted")
            .GroupBy(e => int.Parse(e.GetProperty("deployment").GetString()![(e.GetProperty("deployment").GetString()!.LastIndexOf("-v") + 2)..]))
            .ToDictionary(g => g.Key, g => g.Min(e => DateTimeOffset.Parse(e.GetProperty("timestamp").GetString()!, CultureInfo.InvariantCulture)));
    }

    /// <summary>Latency of every request over time, with a line at each switch (gnuplot, PNG).</summary>
    private static async Task PlotAsync(IReadOnlyList<Sample> samples, Dictionary<int, DateTimeOffset> switchedAt, Stopwatch clock,
        string path)
    {
        var data = Path.ChangeExtension(path, ".dat");
        await File.WriteAllLinesAsync(data, samples.Select(s => string.Create(CultureInfo.InvariantCulture,
            $"{s.AtSeconds:0.000} {s.LatencyMs:0.000} {(s.Status == 200 ? 1 : 0)}")));
        var origin = DateTimeOffset.UtcNow - clock.Elapsed;
        var arrows = string.Join("\n", switchedAt.Values.Select(at => (at - origin).TotalSeconds).Where(x => x >= 0)
            .Select(x => string.Create(CultureInfo.InvariantCulture, $"set arrow from {x:0.000}, graph 0 to {x:0.000}, graph 1 nohead lc rgb '#bbbbbb'")));
        var script = $"""
            set terminal pngcairo size 1200,500
            set output '{path}'
            set title 'Latency through the router while the app is redeployed (grey lines: a hook succeeded)'
            set xlabel 'seconds'
            set ylabel 'latency (ms)'
            set logscale y
            {arrows}
            plot '{data}' using 1:($3==1 ? $2 : 1/0) with points pt 7 ps 0.3 lc rgb '#1f77b4' title 'served', \
                 '{data}' using 1:($3==0 ? $2 : 1/0) with points pt 7 ps 0.6 lc rgb '#d62728' title 'failed'
            """;
        var scriptPath = Path.ChangeExtension(path, ".gp");
        await File.WriteAllTextAsync(scriptPath, script);
        (await Shell.RunAsync("gnuplot", [scriptPath], TimeSpan.FromMinutes(1))).EnsureSuccess("gnuplot");
        File.Delete(scriptPath);
        File.Delete(data);
    }

    [GeneratedRegex(@"^version v(\d+) of ")]
    private static partial Regex VersionPattern();
}
