using System.Diagnostics;
using System.Globalization;

namespace Engine.Bench;

/// <summary>Scenario 4: N different apps deployed at once, against the by-hand script with the same parallelism.
/// Also the engine's CPU time per batch and its resident memory after each batch.</summary>
public static class Concurrency
{
    public static async Task<IReadOnlyList<Figure>> RunAsync(BenchNode node, string benchDir, IReadOnlyList<int> levels,
        Action<string> progress, List<string> notes)
    {
        var figures = new List<Figure>();
        using var app = new BenchApp();
        var memory = new List<string>();
        foreach (var n in levels)
        {
            var batch = Guid.NewGuid().ToString("N")[..6];
            progress($"concurrency: {n} apps at once, engine");
            var cpuBefore = Shell.CpuTime(node.Pid);
            var engine = await TimeAsync(Enumerable.Range(1, n).Select(i => EngineDeployAsync(node, app, $"bench-c{batch}-{i}")));
            var cpu = Shell.CpuTime(node.Pid) - cpuBefore;
            memory.Add($"{n} apps: {ResidentMiB(node.Pid):0} MiB");
            notes.Add($"{n} apps, engine phases from the journal (median / max s): " + await PhasesAsync(node, batch, n));

            progress($"concurrency: {n} apps at once, by hand");
            var ports = Containers.FreePorts.Take(n);
            try
            {
                var hand = await TimeAsync(Enumerable.Range(1, n).Select(i => ByHandAsync(benchDir, app, $"bench-h{batch}-{i}", ports[i - 1])));
                figures.Add(new Figure($"4 concurrency ({n} apps)", "wall time until every app serves", "s", engine, "docker CLI by hand, same parallelism",
                    hand, 1, string.Create(CultureInfo.InvariantCulture, $"engine CPU {cpu.TotalSeconds:0.0} s")));
            }
            finally
            {
                await Shell.RunAsync("sh", ["-c", $"docker rm -f $(docker ps -aq --filter name=bench-h{batch}-) >/dev/null 2>&1; " +
                    $"docker rmi $(docker images -q --filter reference='bench-by-hand/bench-h{batch}-*') >/dev/null 2>&1; true"], TimeSpan.FromMinutes(5));
            }
        }
        notes.Add($"engine resident memory after each concurrency batch: {string.Join(", ", memory)}");
        return figures;
    }

    /// <summary>Where the engine's wall time goes when many apps deploy at once.</summary>
    private static async Task<string> PhasesAsync(BenchNode node, string batch, int n)
    {
        var phases = new Dictionary<string, List<double>>();
        for (var i = 1; i <= n; i++)
            foreach (var (phase, seconds) in await DeployOverhead.PhasesAsync(node, $"bench-c{batch}-{i}", 1))
                (phases.TryGetValue(phase, out var l) ? l : phases[phase] = []).Add(seconds);
        return string.Join(", ", phases.Select(p =>
            string.Create(CultureInfo.InvariantCulture, $"{p.Key} {Stats.Median(p.Value):0.00} / {p.Value.Max():0.00}")));
    }

    private static async Task<double> TimeAsync(IEnumerable<Task> work)
    {
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(work.ToList());
        return clock.Elapsed.TotalSeconds;
    }

    private static async Task EngineDeployAsync(BenchNode node, BenchApp app, string name)
    {
        (await node.Cli("deploy", app.Path, "--app", name)).EnsureSuccess($"engine deploy of {name}");
        if (await node.GetAsync(name) is not { Body: var body } || body != $"version v1 of {name}")
            throw new InvalidOperationException($"{name} is not served after its deploy succeeded");
    }

    private static async Task ByHandAsync(string benchDir, BenchApp app, string name, int port) =>
        (await Shell.RunAsync("bash", [Path.Combine(benchDir, "by-hand-deploy.sh"), app.Path, name, "v1", port.ToString()],
            TimeSpan.FromMinutes(10))).EnsureSuccess($"by-hand deploy of {name}");

    private static double ResidentMiB(int pid) =>
        File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:")).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]
            is var kb ? double.Parse(kb, CultureInfo.InvariantCulture) / 1024 : 0;
}
