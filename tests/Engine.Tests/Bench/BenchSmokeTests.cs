using Engine.Bench;

namespace Engine.Tests.Bench;

/// <summary>A short run of every benchmark scenario, so the harness cannot rot. It checks that each scenario measured
/// both sides and that they served what they should; the figures themselves are for bench/RESULTS.md, not for tests.</summary>
[Collection(Support.DockerCollection.Name)]
public sealed class BenchSmokeTests
{
    [Fact]
    public async Task Every_scenario_measures_the_engine_and_its_peer()
    {
        var outDir = Directory.CreateTempSubdirectory("engine-bench-smoke-").FullName;
        var options = new BenchOptions(Path.Combine(AppContext.BaseDirectory, "engine.dll"), Support.NativeClient.Path, Support.Repository.Combine("bench"),
            BenchRunner.All.ToHashSet(), DeployRuns: 1, WrkDuration: TimeSpan.FromSeconds(1), WrkRounds: 1,
            Switches: 2, FailingSwitches: 1, SwitchHook: "sleep 1", SteadyLoad: TimeSpan.FromSeconds(1), OutDir: outDir,
            ConcurrencyLevels: [2], JournalApps: 5, EventsPerApp: 4, RoutedApps: 1, Queries: 5);
        var progress = new List<string>();
        var report = await BenchRunner.RunAsync(options, progress.Add);

        Assert.Equal(BenchRunner.All.Order(), report.Figures.Select(f => f.Scenario.Split(' ')[1]).Distinct().Order());
        // The switch scenario's own verdict: no failed request, no answer from a version before its hook succeeded.
        Assert.All(report.Figures.Where(f => f.Peer == "target"), f => Assert.True(f.Engine == 0, $"{f.Metric}: {f.Engine}"));
        Assert.True(new FileInfo(Path.Combine(outDir, "switch-latency.png")).Length > 0, "no latency plot");
        Assert.All(report.Figures.Where(f => f.Peer != "target"), f =>
        {
            // In a 1 s run on a loaded machine the forking busybox httpd upstream may complete nothing through one of the
            // ways (then it has no CPU per request), and CPU time comes in 10 ms clock ticks: those may measure 0. The
            // static upstream must serve all ways.
            var busybox = f.Scenario.Contains("busybox", StringComparison.Ordinal);
            var floor = f.Metric == "proxy CPU per request" || busybox ? 0 : double.Epsilon;
            Figure Served() => report.Figures.Single(r => r.Scenario == f.Scenario && r.Metric == "requests/s" && r.Peer == f.Peer);
            bool Measured(double value, Func<double> requestsPerSecond) =>
                double.IsFinite(value) ? value >= floor : busybox && f.Metric == "proxy CPU per request" && requestsPerSecond() == 0;
            Assert.True(Measured(f.Engine, () => Served().Engine), $"{f.Scenario} {f.Metric}: engine value {f.Engine}");
            Assert.True(Measured(f.PeerValue, () => Served().PeerValue), $"{f.Scenario} {f.Metric}: peer value {f.PeerValue}");
        });
        Assert.NotEmpty(progress);
        var markdown = ResultsFile.Render(report.Figures, report.Notes, "bash bench/run.sh");
        Assert.Contains("| 1 deploy overhead |", markdown);
        Assert.Contains("deploy phases of the engine", markdown);
        Directory.Delete(outDir, recursive: true);
    }
}
