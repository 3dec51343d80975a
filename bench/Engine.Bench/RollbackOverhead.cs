using System.Globalization;

namespace Engine.Bench;

/// <summary>Scenario 7: `engine rollback` to an image still on the worker (start, hook `true`, switch), until the first
/// request served by it, against the same steps by hand with the docker CLI; runs alternate A B A B, each going back to
/// the release before the routed one.</summary>
public static class RollbackOverhead
{
    public static async Task<IReadOnlyList<Figure>> RunAsync(BenchNode node, string benchDir, int runs, Action<string> progress,
        List<string> notes)
    {
        var engineApp = $"bench-rollback-{Guid.NewGuid().ToString("N")[..6]}";
        var handApp = $"bench-handroll-{Guid.NewGuid().ToString("N")[..6]}";
        using var app = new BenchApp();
        var engine = new List<double>();
        var hand = new List<double>();
        var phases = new Dictionary<string, List<double>>();
        string[] images = [$"bench-by-hand/{handApp}:a", $"bench-by-hand/{handApp}:b"];
        string? oldHand = null;
        try
        {
            progress("rollback: two releases of each app");
            foreach (var (revision, image) in new[] { (1, images[0]), (2, images[1]) })
            {
                app.Revise(revision);
                (await node.Cli("deploy", app.Path, "--app", engineApp)).EnsureSuccess("engine deploy");
                (await Shell.RunAsync("docker", ["build", "-q", "-t", image, app.Path], TimeSpan.FromMinutes(5))).EnsureSuccess("docker build");
            }
            for (var i = 1; i <= runs; i++)
            {
                var version = i + 2;
                progress($"rollback: run {i}/{runs} engine");
                var (seconds, startedAt, servedAt) = await DeployOverhead.ServedAsync(node, engineApp, version, "rollback", engineApp);
                engine.Add(seconds);
                foreach (var (phase, s) in await DeployOverhead.PhasesAsync(node, engineApp, version, startedAt, servedAt))
                    (phases.TryGetValue(phase, out var l) ? l : phases[phase] = []).Add(s);

                progress($"rollback: run {i}/{runs} by hand");
                var port = Containers.FreePorts.Take(1)[0];
                hand.Add(await DeployOverhead.ByHandAsync(Path.Combine(benchDir, "by-hand-rollback.sh"), images[i % 2], handApp,
                    $"v{version}", port.ToString(CultureInfo.InvariantCulture), oldHand ?? ""));
                oldHand = $"{handApp}-v{version}-web-1";
            }
        }
        finally
        {
            await Shell.RunAsync("sh", ["-c", $"docker rm -f $(docker ps -aq --filter name={handApp}) >/dev/null 2>&1; " +
                $"docker rmi $(docker images -q 'bench-by-hand/{handApp}') >/dev/null 2>&1; true"], TimeSpan.FromMinutes(2));
        }
        notes.Add("rollback phases of the engine (median s, from the journal's timestamps; `build` finds the image): " + string.Join(", ",
            phases.Select(p => $"{p.Key} {Stats.Median(p.Value).ToString("0.000", CultureInfo.InvariantCulture)}")));
        return
        [
            new Figure("7 rollback", "rollback to first request served by the earlier image", "s",
                Stats.Median(engine), "docker CLI by hand", Stats.Median(hand), runs, Stats.Spread(engine)),
        ];
    }
}
