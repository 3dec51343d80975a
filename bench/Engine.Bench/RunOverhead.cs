using System.Diagnostics;

namespace Engine.Bench;

/// <summary>Scenario 9: `engine run APP -- true`, from the CLI's start to its exit (placement, the journaled start and
/// end, the one-off container's create, attach, start, wait and removal), against `docker run --rm IMAGE true` on the
/// same image; runs alternate A B A B.</summary>
public static class RunOverhead
{
    public static async Task<IReadOnlyList<Figure>> RunAsync(BenchNode node, int runs, Action<string> progress, List<string> notes)
    {
        var app = $"bench-run-{Guid.NewGuid().ToString("N")[..6]}";
        using var dir = new BenchApp();
        try
        {
            progress("run: deploying");
            (await node.Cli("deploy", dir.Path, "--app", app)).EnsureSuccess("engine deploy");
            var image = (await Shell.RunAsync("docker", ["ps", "--format", "{{.Image}}", "--filter", $"label=engine.app={app}"],
                TimeSpan.FromSeconds(30))).EnsureSuccess("docker ps").Stdout.Trim();
            var engine = new List<double>();
            var docker = new List<double>();
            for (var i = 1; i <= runs; i++)
            {
                progress($"run: {i}/{runs}");
                var clock = Stopwatch.StartNew();
                (await node.Cli("run", app, "--", "true")).EnsureSuccess("engine run");
                engine.Add(clock.Elapsed.TotalSeconds);
                clock.Restart();
                (await Shell.RunAsync("docker", ["run", "--rm", "--network", "host", image, "true"], TimeSpan.FromMinutes(1))).EnsureSuccess("docker run");
                docker.Add(clock.Elapsed.TotalSeconds);
            }
            notes.Add($"run: engine run -- true p90 {Stats.Quantile(engine, 0.9):0.000} s, docker run --rm p90 {Stats.Quantile(docker, 0.9):0.000} s");
            return
            [
                new Figure("9 run", "`run APP -- true` until the CLI exits", "s", Stats.Median(engine), "docker run --rm",
                    Stats.Median(docker), runs, Stats.Spread(engine)),
            ];
        }
        finally
        {
            await Shell.RunAsync("sh", ["-c", $"docker rm -f $(docker ps -aq --filter label=engine.app={app}) >/dev/null 2>&1; true"], TimeSpan.FromMinutes(1));
        }
    }
}
