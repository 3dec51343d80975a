using System.Globalization;
using System.Text.Json;

namespace Engine.Bench;

/// <summary>Scenario 2: wrk against one upstream five ways — direct, through the engine's router, through nginx, HAProxy
/// and Caddy — alternating, for a forking upstream (busybox httpd) and a fast static one (nginx in a container).</summary>
public static class RouterThroughput
{
    /// <summary>A peer proxy: its way in the rounds and its name in the figures.</summary>
    private sealed record Peer(string Way, string Name, ProxyPeer Proxy);

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
            await using var haproxy = await HaproxyProxy.StartAsync(port);
            await using var caddy = await CaddyProxy.StartAsync(port);
            Peer[] peers =
                [new("nginx", "nginx proxy_pass", nginx), new("haproxy", "haproxy", haproxy), new("caddy", "caddy reverse_proxy", caddy)];
            await ExpectSameAnswerAsync(node, app, port, peers);
            var runs = new[] { "direct", "router" }.Concat(peers.Select(p => p.Way))
                .ToDictionary(way => way, _ => new List<(WrkRun Run, double CpuMsPerRequest)>());
            for (var r = 1; r <= rounds; r++)
                foreach (var way in runs.Keys)
                {
                    progress($"router: {label} upstream, round {r}/{rounds}, {way}");
                    var proxy = peers.SingleOrDefault(p => p.Way == way)?.Proxy;
                    Func<TimeSpan> cpu = way == "router" ? () => Shell.CpuTime(node.Pid)
                        : proxy is not null ? proxy.CpuTime : () => TimeSpan.Zero;
                    var before = cpu();
                    var run = way switch
                    {
                        "direct" => await Wrk.RunAsync($"http://127.0.0.1:{port}/", null, duration),
                        "router" => await Wrk.RunAsync(node.RouterUrl + "/", $"{app}.localhost", duration),
                        _ => await Wrk.RunAsync($"http://127.0.0.1:{proxy!.Port}/", null, duration),
                    };
                    runs[way].Add((run, run.Requests == 0 ? double.NaN : (cpu() - before).TotalMilliseconds / run.Requests));
                }
            List<double> Of(string way, Func<WrkRun, double> f) => runs[way].Select(x => f(x.Run)).ToList();
            Figure Versus(Peer peer, string metric, string unit, Func<(WrkRun Run, double CpuMsPerRequest), double> f,
                string format = "0.000", bool higherIsBetter = false)
            {
                var engine = runs["router"].Select(f).ToList();
                return new Figure($"2 router ({label})", metric, unit, Stats.Median(engine), peer.Name,
                    Stats.Median(runs[peer.Way].Select(f).ToList()), rounds, Stats.Spread(engine, format), higherIsBetter);
            }
            // Every peer against the router on throughput and tail latency; nginx, the first peer, also on p50 and CPU.
            foreach (var peer in peers)
                figures.Add(Versus(peer, "requests/s", "req/s", x => x.Run.RequestsPerSecond, "0", higherIsBetter: true));
            figures.Add(Versus(peers[0], "p50 latency", "ms", x => x.Run.P50Ms));
            foreach (var peer in peers) figures.Add(Versus(peer, "p99 latency", "ms", x => x.Run.P99Ms));
            figures.Add(Versus(peers[0], "proxy CPU per request", "ms", x => x.CpuMsPerRequest, "0.0000"));
            var direct = Stats.Median(Of("direct", x => x.RequestsPerSecond));
            var errors = string.Join(", ", runs.Select(w => $"{w.Key} {w.Value.Sum(x => x.Run.Errors)}"));
            notes.Add(string.Create(CultureInfo.InvariantCulture,
                $"router, {label} upstream: direct {direct:0} req/s (p99 {Stats.Median(Of("direct", x => x.P99Ms)):0.00} ms); " +
                $"errors or non-2xx: {errors}"));
        }
        return figures;
    }

    /// <summary>Every way must serve the upstream's own page before they are measured.</summary>
    private static async Task ExpectSameAnswerAsync(BenchNode node, string app, int upstreamPort, IReadOnlyList<Peer> peers)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var direct = await http.GetStringAsync($"http://127.0.0.1:{upstreamPort}/");
        var proxied = new List<(string Way, string Body)>();
        foreach (var peer in peers) proxied.Add((peer.Way, await http.GetStringAsync($"http://127.0.0.1:{peer.Proxy.Port}/")));
        var routed = await node.GetAsync(app);
        if (routed is not { Status: System.Net.HttpStatusCode.OK } || routed.Value.Body != direct.Trim()
            || proxied.Any(p => p.Body != direct))
            throw new InvalidOperationException($"the ways disagree: direct '{direct.Trim()}', " +
                string.Concat(proxied.Select(p => $"{p.Way} '{p.Body.Trim()}', ")) + $"router {routed}");
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
