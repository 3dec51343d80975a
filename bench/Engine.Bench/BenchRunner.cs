namespace Engine.Bench;

/// <summary><paramref name="Client"/>: the CLI that runs client commands (deploy, audit, ...): the native client's
/// executable, or null for the node's own build (`dotnet engine.dll`).</summary>
public sealed record BenchOptions(string EngineDll, string? Client, string BenchDir, IReadOnlySet<string> Scenarios, int DeployRuns,
    TimeSpan WrkDuration, int WrkRounds, int Switches, int FailingSwitches, string SwitchHook, TimeSpan SteadyLoad,
    string OutDir, IReadOnlyList<int> ConcurrencyLevels, int JournalApps, int EventsPerApp, int RoutedApps, int Queries);

public sealed record BenchReport(IReadOnlyList<Figure> Figures, IReadOnlyList<string> Notes);

/// <summary>Runs the chosen scenarios against one engine node; the CLI and the smoke tests both call this.</summary>
public static class BenchRunner
{
    public static readonly IReadOnlyList<string> All = ["deploy", "router", "switch", "concurrency", "journal", "envset", "rollback", "logs", "run"];

    public static async Task<BenchReport> RunAsync(BenchOptions options, Action<string> progress)
    {
        var figures = new List<Figure>();
        var notes = new List<string>();
        await using var node = await BenchNode.StartAsync(options.EngineDll, options.Client);
        notes.Add("engine commands (deploy, audit, ...) ran as " + (options.Client is null
            ? "the node's own build (dotnet engine.dll)" : "the native client (src/Engine.Client)"));
        if (options.Scenarios.Contains("deploy"))
            figures.AddRange(await DeployOverhead.RunAsync(node, options.BenchDir, options.DeployRuns, progress, notes));
        if (options.Scenarios.Contains("router"))
            figures.AddRange(await RouterThroughput.RunAsync(node, options.WrkDuration, options.WrkRounds, progress, notes));
        if (options.Scenarios.Contains("switch"))
            figures.AddRange(await SwitchUnderLoad.RunAsync(node, options.Switches, options.FailingSwitches, options.SwitchHook,
                options.SteadyLoad, Path.Combine(options.OutDir, "switch-latency.png"), progress, notes));
        if (options.Scenarios.Contains("concurrency"))
            figures.AddRange(await Concurrency.RunAsync(node, options.BenchDir, options.ConcurrencyLevels, progress, notes));
        if (options.Scenarios.Contains("journal"))
            figures.AddRange(await JournalScale.RunAsync(options.EngineDll, options.Client, options.JournalApps, options.EventsPerApp,
                options.RoutedApps, options.Queries, progress, notes));
        if (options.Scenarios.Contains("envset"))
            figures.AddRange(await EnvSetLatency.RunAsync(node, progress, notes));
        if (options.Scenarios.Contains("logs"))
            figures.AddRange(await LogsLatency.RunAsync(node, Math.Max(10, options.DeployRuns * 10), progress, notes));
        if (options.Scenarios.Contains("rollback"))
            figures.AddRange(await RollbackOverhead.RunAsync(node, options.BenchDir, options.DeployRuns, progress, notes));
        if (options.Scenarios.Contains("run"))
            figures.AddRange(await RunOverhead.RunAsync(node, Math.Max(3, options.DeployRuns * 3), progress, notes));
        return new BenchReport(figures, notes);
    }
}
