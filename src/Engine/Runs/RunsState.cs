using System.Collections.Immutable;
using Engine.Protocol;

namespace Engine.Runs;

/// <summary>What a run starts from: the routed release (its deployment, version and image), the app's env today, and
/// the workers that run the release's containers, so hold its image (none named: any worker).</summary>
public sealed record RunRelease(string DeploymentId, string Version, string Image, IReadOnlyDictionary<string, string> Env,
    IReadOnlyCollection<string> Holders);

/// <summary>An app's one-off runs: the number the next one takes, those running, and the last ones that ended.</summary>
public sealed record RunsState(string App)
{
    /// <summary>How many ended runs `GET runs` still shows.</summary>
    public const int RecentKept = 20;

    public int Last { get; init; }
    public ImmutableSortedDictionary<int, OneOffStarted> Running { get; init; } = ImmutableSortedDictionary<int, OneOffStarted>.Empty;
    public ImmutableList<RunView> Ended { get; init; } = ImmutableList<RunView>.Empty;

    /// <summary>Why the run cannot start; null when it can.</summary>
    public static AppError? Refuse(StartRun run, RunRelease? release)
    {
        if (release is null) return new AppError($"app '{run.App}' has no routed release to run: deploy it first", Conflict: true);
        if (string.IsNullOrWhiteSpace(run.Command)) return new AppError("no command to run");
        return run.Env.Select(p => EnvKey.Validate(p.Key) ?? EnvKey.ValidateValue(p.Key, p.Value)).FirstOrDefault(e => e is not null) is { } bad
            ? new AppError($"--env: {bad}") : null;
    }

    /// <summary>The least loaded worker that holds the image and has room (capacity 0: no limit); null when none has.</summary>
    public static WorkerInfo? Place(IReadOnlyList<WorkerInfo> workers, RunRelease release) => workers
        .Where(w => release.Holders.Count == 0 || release.Holders.Contains(w.Name) || release.Holders.Contains(w.Address))
        .Where(w => w.Capacity == 0 || w.Running < w.Capacity).OrderBy(w => w.Running).FirstOrDefault();

    public static string NoRoom(IReadOnlyList<WorkerInfo> workers, RunRelease release) => workers.Count == 0
        ? "no worker node answered: none can run it now"
        : "no worker that holds the release's image has room for a one-off ("
          + string.Join(", ", workers.Select(w => $"{w.Name}: {w.Running} of {w.Capacity} containers"
                                                  + (release.Holders.Count == 0 || release.Holders.Contains(w.Name) || release.Holders.Contains(w.Address) ? "" : ", no image")))
          + ")";

    public OneOffStarted Start(StartRun run, RunRelease release, string worker, DateTimeOffset now) =>
        new(App, Last + 1, run.Command, release.DeploymentId, release.Version, release.Image, worker, run.Detach, run.Tty,
            run.Timeout, run.By, now);

    /// <summary>Its container: the release's image, the app's env with the run's own and the injected variables.</summary>
    public static ContainerSpec Spec(OneOffStarted run, IReadOnlyDictionary<string, string> env) =>
        ContainerSpec.For(run.App, run.DeploymentId, run.Version, run.Image, Procfile.OneOff, run.Number, run.Command, env, null);

    /// <summary>A run's end counts once: a late second report (a re-attach after a failover) journals nothing.</summary>
    public OneOffEnded? End(RunExited exited, DateTimeOffset now) =>
        Running.ContainsKey(exited.Number) ? new OneOffEnded(App, exited.Number, exited.ExitCode, exited.Error, now) : null;

    public RunsState Apply(IAppEvent e) => e switch
    {
        OneOffStarted s => this with { Last = Math.Max(Last, s.Number), Running = Running.SetItem(s.Number, s) },
        OneOffEnded x when Running.TryGetValue(x.Number, out var s) => this with
        {
            Running = Running.Remove(x.Number),
            Ended = Ended.Add(View(s, x)) is var all && all.Count > RecentKept ? all.RemoveAt(0) : all,
        },
        _ => this,
    };

    public RunView? Find(int number) =>
        Running.TryGetValue(number, out var s) ? View(s) : Ended.LastOrDefault(v => v.Number == number);

    public RunList List => new(Running.Values.Select(s => View(s)).Concat(Ended.AsEnumerable().Reverse()).ToList());

    public static RunView View(OneOffStarted s, OneOffEnded? end = null) =>
        new(RunId.Of(s.App, s.Number), s.App, s.Number, s.Command, s.Version, s.DeploymentId, s.Worker, s.Detached, s.By, s.At,
            end is null ? "running" : end.Error is null ? "exited" : "failed", end?.ExitCode, end?.Error, end?.At);
}
