using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Engine.Bench;

/// <summary>Scenario 1: from `engine deploy` to the first request served by the new version, against the same steps
/// by hand with the docker CLI; runs alternate A B A B. The engine's time is split into phases from the journal.</summary>
public static class DeployOverhead
{
    public static async Task<IReadOnlyList<Figure>> RunAsync(BenchNode node, string benchDir, int runs, Action<string> progress,
        List<string> notes)
    {
        var engineApp = $"bench-deploy-{Guid.NewGuid().ToString("N")[..6]}";
        var handApp = $"bench-hand-{Guid.NewGuid().ToString("N")[..6]}";
        using var app = new BenchApp();
        var engine = new List<double>();
        var hand = new List<double>();
        var phases = new Dictionary<string, List<double>>();
        string? oldHand = null;
        try
        {
            for (var i = 1; i <= runs; i++)
            {
                app.Revise(i);
                progress($"deploy overhead: run {i}/{runs} engine");
                var (seconds, startedAt, servedAt) = await EngineRunAsync(node, app, engineApp, i);
                engine.Add(seconds);
                foreach (var (phase, s) in await PhasesAsync(node, engineApp, i, startedAt, servedAt))
                    (phases.TryGetValue(phase, out var l) ? l : phases[phase] = []).Add(s);

                progress($"deploy overhead: run {i}/{runs} by hand");
                var port = Containers.FreePorts.Take(1)[0];
                hand.Add(await ByHandRunAsync(benchDir, app, handApp, i, port, oldHand));
                oldHand = $"{handApp}-v{i}-web-1";
            }
        }
        finally
        {
            await Shell.RunAsync("sh", ["-c", $"docker rm -f $(docker ps -aq --filter name={handApp}) >/dev/null 2>&1; " +
                $"docker rmi $(docker images -q 'bench-by-hand/{handApp}') >/dev/null 2>&1; true"], TimeSpan.FromMinutes(2));
        }
        notes.Add("deploy phases of the engine (median s, from the journal's timestamps): " + string.Join(", ",
            phases.Select(p => $"{p.Key} {Stats.Median(p.Value).ToString("0.000", CultureInfo.InvariantCulture)}")));
        return
        [
            new Figure("1 deploy overhead", "deploy to first request served by the new version", "s",
                Stats.Median(engine), "docker CLI by hand", Stats.Median(hand), runs, Stats.Spread(engine)),
        ];
    }

    /// <returns>Seconds until served, and the wall-clock instants the CLI started and the new version was served.</returns>
    private static Task<(double Seconds, DateTimeOffset StartedAt, DateTimeOffset ServedAt)> EngineRunAsync(
        BenchNode node, BenchApp app, string name, int version) => ServedAsync(node, name, version, "deploy", app.Path, "--app", name);

    /// <summary>An engine command that makes version <paramref name="version"/> of the app, until that version serves.</summary>
    internal static async Task<(double Seconds, DateTimeOffset StartedAt, DateTimeOffset ServedAt)> ServedAsync(
        BenchNode node, string name, int version, params string[] command)
    {
        var expected = $"version v{version} of {name}";
        var startedAt = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var deploy = node.Cli(command);
        double? served = null;
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (served is null)
        {
            if (await node.GetAsync(name) is { Body: var body } && body == expected) served = clock.Elapsed.TotalSeconds;
            else if (deploy.IsCompleted && (await deploy).ExitCode != 0)
                throw new InvalidOperationException($"engine deploy failed: {(await deploy).Stderr}");
            else if (DateTime.UtcNow > deadline) throw new TimeoutException($"{expected} was not served within 2 minutes");
            else await Task.Delay(5);
        }
        var servedAt = startedAt + TimeSpan.FromSeconds(served.Value);
        (await deploy).EnsureSuccess($"engine {command[0]}");
        return (served.Value, startedAt, servedAt);
    }

    private static Task<double> ByHandRunAsync(string benchDir, BenchApp app, string name, int version, int port, string? old) =>
        ByHandAsync(Path.Combine(benchDir, "by-hand-deploy.sh"), app.Path, name, $"v{version}", port.ToString(), old ?? "");

    /// <summary>A by-hand script that prints "served" once its version serves: seconds until then.</summary>
    internal static async Task<double> ByHandAsync(string script, params string[] args)
    {
        var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { script }.Concat(args)) psi.ArgumentList.Add(a);
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(psi)!;
        var stderr = process.StandardError.ReadToEndAsync();
        double? served = null;
        while (await process.StandardOutput.ReadLineAsync() is { } line)
            if (line == "served") served ??= clock.Elapsed.TotalSeconds;
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(limit.Token);
        if (process.ExitCode != 0 || served is null)
            throw new InvalidOperationException($"{Path.GetFileName(script)} failed ({process.ExitCode}): {await stderr}");
        return served.Value;
    }

    /// <summary>Seconds between the journal events that open and close each phase of one deployment; with the run's
    /// wall-clock instants, also the CLI's own share (start-up and upload, until the deployment is queued) and the
    /// node's (from the queued upload until the new version served).</summary>
    internal static async Task<IEnumerable<(string Phase, double Seconds)>> PhasesAsync(BenchNode node, string app, int version,
        DateTimeOffset? startedAt = null, DateTimeOffset? servedAt = null)
    {
        var audit = (await node.Cli("audit", app, "--json")).EnsureSuccess("engine audit");
        var at = JsonDocument.Parse(audit.Stdout).RootElement.EnumerateArray()
            .Where(e => e.GetProperty("deployment").GetString() == $"{app}-v{version}")
            .GroupBy(e => e.GetProperty("type").GetString()!)
            .ToDictionary(g => g.Key, g => DateTimeOffset.Parse(g.First().GetProperty("timestamp").GetString()!, CultureInfo.InvariantCulture));
        var steps = new[]
        {
            ("queue", "DeploymentCreated", "BuildStarted"), ("build", "BuildStarted", "ImageBuilt"),
            ("push", "ImageBuilt", "ContainersStarting"), ("start", "ContainersStarting", "HookStarted"),
            ("hook", "HookStarted", "SwitchStarted"), ("switch", "SwitchStarted", "TrafficSwitched"),
            ("drain+remove", "TrafficSwitched", "DeploymentSucceeded"),
        };
        var phases = steps.Where(s => at.ContainsKey(s.Item2) && at.ContainsKey(s.Item3))
            .Select(s => (s.Item1, (at[s.Item3] - at[s.Item2]).TotalSeconds)).ToList();
        if (startedAt is { } start && servedAt is { } served && at.TryGetValue("DeploymentQueued", out var queued))
            phases.InsertRange(0, [("cli start-up+upload", (queued - start).TotalSeconds), ("node: queued to served", (served - queued).TotalSeconds)]);
        return phases;
    }
}
