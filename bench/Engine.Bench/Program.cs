using System.CommandLine;
using Engine.Bench;

var root = new RootCommand("engine benchmarks against their peers; writes RESULTS.md");
var engine = new Option<string>("--engine") { Description = "engine.dll to run (default: the Release build)" };
var client = new Option<string>("--client") { Description = "the CLI for client commands: the native client's executable (default: "
    + "src/Engine.Client/bin/native/engine), or 'node' for the node's own build (dotnet engine.dll)" };
var scenarios = new Option<string>("--scenarios") { Description = $"comma-separated: {string.Join(",", BenchRunner.All)} (default all)" };
var runs = new Option<int>("--runs") { Description = "deploy runs per side (default 20)", DefaultValueFactory = _ => 20 };
var duration = new Option<int>("--duration") { Description = "seconds per wrk run (default 20)", DefaultValueFactory = _ => 20 };
var rounds = new Option<int>("--rounds") { Description = "wrk rounds per way (default 3)", DefaultValueFactory = _ => 3 };
var switches = new Option<int>("--switches") { Description = "redeploys with a 2 s hook under load (default 30)", DefaultValueFactory = _ => 30 };
var failing = new Option<int>("--failing") { Description = "redeploys with a failing hook under load (default 10)", DefaultValueFactory = _ => 10 };
var levels = new Option<string>("--apps") { Description = "concurrency levels (default 20,50,100)", DefaultValueFactory = _ => "20,50,100" };
var journalApps = new Option<int>("--journal-apps") { Description = "apps in the journal scenario (default 1000)", DefaultValueFactory = _ => 1000 };
var eventsPerApp = new Option<int>("--events-per-app") { Description = "env events per app (default 100)", DefaultValueFactory = _ => 100 };
var output = new Option<string>("--out") { Description = "results file (default bench/RESULTS.md; the plot goes beside it)" };
root.Add(engine); root.Add(client); root.Add(scenarios); root.Add(runs); root.Add(duration); root.Add(rounds); root.Add(switches); root.Add(failing);
root.Add(levels); root.Add(journalApps); root.Add(eventsPerApp); root.Add(output);
root.SetAction(async parse =>
{
    var benchDir = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../.."));
    var repo = Path.GetDirectoryName(benchDir)!;
    var options = new BenchOptions(
        parse.GetValue(engine) ?? Path.Combine(repo, "src/Engine/bin/Release/net10.0/engine.dll"),
        parse.GetValue(client) is "node" ? null : parse.GetValue(client) ?? Path.Combine(repo, "src/Engine.Client/bin/native/engine"),
        benchDir,
        (parse.GetValue(scenarios)?.Split(',', StringSplitOptions.RemoveEmptyEntries) ?? [.. BenchRunner.All]).ToHashSet(),
        parse.GetValue(runs), TimeSpan.FromSeconds(parse.GetValue(duration)), parse.GetValue(rounds),
        parse.GetValue(switches), parse.GetValue(failing), "sleep 2", TimeSpan.FromSeconds(10),
        Path.GetDirectoryName(Path.GetFullPath(parse.GetValue(output) ?? Path.Combine(benchDir, "RESULTS.md")))!,
        parse.GetValue(levels)!.Split(',').Select(int.Parse).ToList(),
        parse.GetValue(journalApps), parse.GetValue(eventsPerApp), RoutedApps: 20, Queries: 20);
    var unknown = options.Scenarios.Except(BenchRunner.All).ToList();
    if (unknown.Count > 0) { Console.Error.WriteLine($"error: unknown scenario(s): {string.Join(", ", unknown)}"); return 2; }
    if (!File.Exists(options.EngineDll)) { Console.Error.WriteLine($"error: no engine at {options.EngineDll}; build it with dotnet build src/Engine -c Release"); return 2; }
    if (options.Client is { } native && !File.Exists(native))
    {
        Console.Error.WriteLine($"error: no client at {native}; publish it with dotnet publish src/Engine.Client (or pass --client node)");
        return 2;
    }
    var started = DateTime.UtcNow;
    var report = await BenchRunner.RunAsync(options, line => Console.Error.WriteLine($"[{DateTime.UtcNow - started:mm\\:ss}] {line}"));
    var path = parse.GetValue(output) ?? Path.Combine(benchDir, "RESULTS.md");
    File.WriteAllText(path, ResultsFile.Render(report.Figures, report.Notes, string.Join(' ', ["bash bench/run.sh", .. args])));
    Console.WriteLine(File.ReadAllText(path));
    return 0;
});
return await root.Parse(args).InvokeAsync();
