using System.Globalization;
using System.Text.Json;

namespace Engine.Bench;

/// <summary>Scenario 2: wrk against one upstream three ways — direct, through the engine's router, through nginx —
/// alternating, for a forking upstream (busybox httpd) and a fast static one (nginx in a container).</summary>
public static class RouterThroughput
{
    public static async Task<IReadOnlyList<Figure>> RunAsync(BenchNode node, TimeSpan duration, int rounds,
        Action<string> progress, List<string> notes)
    {
        var figures = new List<Figure>();
        using var httpd = new BenchApp();
        using var fast = await StaticNginxApp.CreateAsync();
        foreach (var (label, dir) in new[] { ("busybox httpd", httpd.Path), ("static nginx", fast.Path) })
        {
            var app = $"bench-router-{Guid.NewGuid().ToString("N")[..6]}";
            progress($"router: deploying the {label} upstream");
            (await node.Cli("deploy", dir, "--app", app)).EnsureSuccess($"engine deploy of the {label} upstream");
            var port = await WebPortAsync(app);
            await using var nginx = await NginxProxy.StartAsync(port);
            await ExpectSameAnswerAsync(node, app, port, nginx.Port);
            var runs = new Dictionary<string, List<(WrkRun Run, double CpuMsPerRequest)>> { ["direct"] = [], ["router"] = [], ["nginx"] = [] };
            for (var r = 1; r <= rounds; r++)
                foreach (var way in runs.Keys)
                {
                    progress($"router: {label} upstream, round {r}/{rounds}, {way}");
                    Func<TimeSpan> cpu = way switch { "router" => () => Shell.CpuTime(node.Pid), "nginx" => nginx.CpuTime, _ => () => TimeSpan.Zero };
                    var before = cpu();
                    var run = way switch
                    {
                        "direct" => await Wrk.RunAsync($"http://127.0.0.1:{port}/", null, duration),
                        "router" => await Wrk.RunAsync(node.RouterUrl + "/", $"{app}.localhost", duration),
                        _ => await Wrk.RunAsync($"http://127.0.0.1:{nginx.Port}/", null, duration),
                    };
                    runs[way].Add((run, run.Requests == 0 ? double.NaN : (cpu() - before).TotalMilliseconds / run.Requests));
                }
            List<double> Of(string way, Func<WrkRun, double> f) => runs[way].Select(x => f(x.Run)).ToList();
            var n = rounds;
            figures.Add(new Figure($"2 router ({label})", "requests/s", "req/s", Stats.Median(Of("router", x => x.RequestsPerSecond)),
                "nginx proxy_pass", Stats.Median(Of("nginx", x => x.RequestsPerSecond)), n, Stats.Spread(Of("router", x => x.RequestsPerSecond), "0"), HigherIsBetter: true));
            figures.Add(new Figure($"2 router ({label})", "p50 latency", "ms", Stats.Median(Of("router", x => x.P50Ms)),
                "nginx proxy_pass", Stats.Median(Of("nginx", x => x.P50Ms)), n, Stats.Spread(Of("router", x => x.P50Ms))));
            figures.Add(new Figure($"2 router ({label})", "p99 latency", "ms", Stats.Median(Of("router", x => x.P99Ms)),
                "nginx proxy_pass", Stats.Median(Of("nginx", x => x.P99Ms)), n, Stats.Spread(Of("router", x => x.P99Ms))));
            figures.Add(new Figure($"2 router ({label})", "proxy CPU per request", "ms",
                Stats.Median(runs["router"].Select(x => x.CpuMsPerRequest).ToList()), "nginx proxy_pass",
                Stats.Median(runs["nginx"].Select(x => x.CpuMsPerRequest).ToList()), n,
                Stats.Spread(runs["router"].Select(x => x.CpuMsPerRequest).ToList(), "0.0000")));
            var direct = Stats.Median(Of("direct", x => x.RequestsPerSecond));
            var errors = runs.ToDictionary(w => w.Key, w => w.Value.Sum(x => x.Run.Errors));
            notes.Add(string.Create(CultureInfo.InvariantCulture,
                $"router, {label} upstream: direct {direct:0} req/s (p99 {Stats.Median(Of("direct", x => x.P99Ms)):0.00} ms); " +
                $"errors or non-2xx: direct {errors["direct"]}, router {errors["router"]}, nginx {errors["nginx"]}"));
        }
        return figures;
    }

    /// <summary>All three ways must serve the upstream's own page before they are measured.</summary>
    private static async Task ExpectSameAnswerAsync(BenchNode node, string app, int upstreamPort, int nginxPort)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var direct = await http.GetStringAsync($"http://127.0.0.1:{upstreamPort}/");
        var proxied = await http.GetStringAsync($"http://127.0.0.1:{nginxPort}/");
        var routed = await node.GetAsync(app);
        if (routed is not { Status: System.Net.HttpStatusCode.OK } || routed.Value.Body != direct.Trim() || proxied != direct)
            throw new InvalidOperationException($"the ways disagree: direct '{direct.Trim()}', nginx '{proxied.Trim()}', router {routed}");
    }

    /// <summary>The $PORT of the app's web container, read from Docker.</summary>
    private static async Task<int> WebPortAsync(string app)
    {
        var id = (await Shell.RunAsync("docker", ["ps", "-q", "--filter", $"label=engine.app={app}", "--filter", "label=engine.type=web"],
            TimeSpan.FromSeconds(30))).EnsureSuccess("docker ps").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).First();
        var env = (await Shell.RunAsync("docker", ["inspect", "-f", "{{json .Config.Env}}", id], TimeSpan.FromSeconds(30)))
            .EnsureSuccess("docker inspect").Stdout;
        var port = JsonSerializer.Deserialize<string[]>(env)!.Single(e => e.StartsWith("PORT="))["PORT=".Length..];
        return int.Parse(port, CultureInfo.InvariantCulture);
    }
}
