using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Engine.Bench;

/// <summary>Scenario 8: `engine logs -f`, from the moment Docker took a line from a container to the CLI printing it,
/// against `docker logs -f --timestamps` on the same container, read the same way; each for the same number of lines.</summary>
public static class LogsLatency
{
    public static async Task<IReadOnlyList<Figure>> RunAsync(BenchNode node, int lines, Action<string> progress, List<string> notes)
    {
        var app = $"bench-logs-{Guid.NewGuid().ToString("N")[..6]}";
        var dir = Directory.CreateTempSubdirectory("engine-bench-logs-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "Dockerfile"), "FROM busybox\n");
            // Five lines a second from a worker process (no web): its lines are the only ones.
            File.WriteAllText(Path.Combine(dir, "Procfile"), "web: sh -c 'mkdir -p /w && echo ok > /w/index.html && exec httpd -f -p 127.0.0.1:$PORT -h /w'\n"
                + "worker: sh -c 'i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.2; done'\n");
            progress("logs -f: deploying a chatty worker");
            (await node.Cli("deploy", dir, "--app", app)).EnsureSuccess("engine deploy");
            var container = (await Shell.RunAsync("docker", ["ps", "-q", "--filter", $"label=engine.app={app}", "--filter", "label=engine.type=worker"],
                TimeSpan.FromSeconds(30))).EnsureSuccess("docker ps").Stdout.Trim();

            progress($"logs -f: {lines} lines through engine logs -f");
            var engine = await LatenciesAsync(node.CliStart("logs", app, "-f", "--type", "worker", "-n", "1", "--json"), lines,
                line => JsonDocument.Parse(line).RootElement.GetProperty("at").GetDateTimeOffset());
            progress($"logs -f: {lines} lines through docker logs -f");
            var docker = await LatenciesAsync(new ProcessStartInfo("docker", ["logs", "-f", "--timestamps", "--tail", "1", container]), lines,
                line => DateTimeOffset.Parse(line[..line.IndexOf(' ')][..Math.Min(line.IndexOf(' '), 27)] + "Z", CultureInfo.InvariantCulture));
            notes.Add($"logs -f: {lines} lines each; engine p99 {Stats.Quantile(engine, 0.99):0.0} ms, docker logs -f p99 {Stats.Quantile(docker, 0.99):0.0} ms");
            return
            [
                new Figure("8 logs -f", "p50 latency from Docker to the printed line", "ms", Stats.Median(engine), "docker logs -f",
                    Stats.Median(docker), lines, Stats.Spread(engine)),
            ];
        }
        finally
        {
            await node.Cli("scale", app, "worker=0");
            await Shell.RunAsync("sh", ["-c", $"docker rm -f $(docker ps -aq --filter label=engine.app={app}) >/dev/null 2>&1; true"], TimeSpan.FromMinutes(1));
            Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Milliseconds from each line's timestamp to its arrival here, for <paramref name="count"/> lines after the first.</summary>
    private static async Task<List<double>> LatenciesAsync(ProcessStartInfo start, int count, Func<string, DateTimeOffset> at)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        using var process = Process.Start(start)!;
        var latencies = new List<double>();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(count * 0.2 + 60));
        try
        {
            await process.StandardOutput.ReadLineAsync(limit.Token); // the backlog's line
            while (latencies.Count < count && await process.StandardOutput.ReadLineAsync(limit.Token) is { } line)
                latencies.Add((DateTimeOffset.UtcNow - at(line)).TotalMilliseconds);
        }
        finally
        {
            process.Kill(entireProcessTree: true);
        }
        if (latencies.Count < count) throw new InvalidOperationException($"{start.FileName} printed {latencies.Count} of {count} lines");
        return latencies;
    }
}
