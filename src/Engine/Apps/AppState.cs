using System.Collections.Immutable;
using Engine.Protocol;
using Engine.Workers;

namespace Engine.Apps;

/// <param name="Rollback">Set when the deployment is a rollback: the release it reuses.</param>
public sealed record DeploymentRef(string Id, int Version, string ArchivePath, IReadOnlyDictionary<string, string> Env,
    DateTimeOffset QueuedAt, string? ArchiveNode = null, string? By = null, string? IdempotencyKey = null,
    RollbackPlanned? Rollback = null)
{
    /// <summary>The deployment whose build made the image it runs: its own, or for a rollback the one it reuses.</summary>
    public string ImageOf => Rollback?.SourceDeploymentId ?? Id;
}

/// <summary>A release as it was routed: its image and Procfile.</summary>
public sealed record ReleaseRecord(string Image, IReadOnlyList<ProcessType> Processes, DateTimeOffset At);

/// <summary>How a deployment ended, as the deployment itself recorded it.</summary>
public sealed record DeploymentOutcome(string Status, string? Error, DateTimeOffset FinishedAt);

/// <summary><paramref name="Worker"/> built it, ran its hook and holds its image; routers reach it at
/// <paramref name="WorkerHost"/>. A container placed with no worker (the deployment's own node) runs there.
/// <paramref name="Checks"/>: the HTTP checks it was deployed with, which its web containers are checked with.</summary>
public sealed record RoutedRelease(string DeploymentId, int Version, IReadOnlyList<ContainerSpec> Containers,
    IReadOnlyList<ProcessType> Processes, string? Worker = null, string? WorkerHost = null, HealthCheck? Checks = null)
{
    /// <summary>The worker a container runs on.</summary>
    public string? WorkerOf(ContainerSpec c) => c.Worker ?? Worker;

    /// <summary>The release's long-running process types with their commands.</summary>
    public IReadOnlyList<ProcessType> Types => Processes.Where(p => p.Name != Procfile.PostDeploy).ToList();
}

/// <summary>One app: its environment, its deployments in order, which have ended, and which one holds the traffic.</summary>
public sealed partial record AppState(string Name)
{
    public ImmutableSortedDictionary<string, string> Env { get; init; } = ImmutableSortedDictionary<string, string>.Empty;
    public ImmutableList<DeploymentRef> Deployments { get; init; } = [];
    public ImmutableDictionary<string, string> Ended { get; init; } = ImmutableDictionary<string, string>.Empty;
    /// <summary>Of ended deployments whose end carried the deployment's own error and time.</summary>
    public ImmutableDictionary<string, DeploymentOutcome> Outcomes { get; init; } = ImmutableDictionary<string, DeploymentOutcome>.Empty;
    public RoutedRelease? Routed { get; init; }
    /// <summary>By deployment id, each release that was routed.</summary>
    public ImmutableDictionary<string, ReleaseRecord> Releases { get; init; } = ImmutableDictionary<string, ReleaseRecord>.Empty;
    /// <summary>Containers per process type set by `engine scale`; a type not in it runs one.</summary>
    public ImmutableSortedDictionary<string, int> Formation { get; init; } = ImmutableSortedDictionary<string, int>.Empty;

    /// <summary>Most containers of one process type.</summary>
    public const int MaxScale = 100;

    /// <summary>By `DEPLOYMENT/SLOT`.</summary>
    public ImmutableDictionary<string, SlotRevivals> Restarts { get; init; } = ImmutableDictionary<string, SlotRevivals>.Empty;

    public static string RevivalKey(string deploymentId, string slot) => $"{deploymentId}/{slot}";

    /// <summary>What a revival of a routed container journals.</summary>
    public ContainerRestarted Revived(ContainerRevived r, DateTimeOffset now) => new(Name, r.Spec.DeploymentId, r.Spec.Slot, r.ExitCode, now);

    public int LastVersion => Deployments.Count == 0 ? 0 : Deployments[^1].Version;

    /// <summary>Queued or in flight, oldest first: the head is the one allowed to run.</summary>
    public IEnumerable<DeploymentRef> Pending => Deployments.Where(d => !Ended.ContainsKey(d.Id));

    public DeploymentRef? Find(string id) => Deployments.FirstOrDefault(d => d.Id == id);

    /// <summary>A finished deployment's view from the app's own record; null while it runs: then only its actor knows.</summary>
    public DeploymentView? ViewOf(DeploymentRef d) => Outcomes.TryGetValue(d.Id, out var o) ? View(d, o.Status, o.FinishedAt, o.Error) : null;

    /// <summary>A deployment as it was journaled: queued.</summary>
    public DeploymentView QueuedView(DeploymentRef d) => View(d, DeploymentStatus.Queued, null, null);

    private DeploymentView View(DeploymentRef d, string status, DateTimeOffset? finishedAt, string? error) =>
        new(d.Id, Name, $"v{d.Version}", status, d.QueuedAt, finishedAt, error);

    /// <summary>Successful deployments, newest first.</summary>
    public IEnumerable<DeploymentRef> Successful() =>
        Deployments.Where(d => Ended.GetValueOrDefault(d.Id) == DeploymentStatus.Success).Reverse();

    /// <summary>Ended deployments whose images can go: every failed one, and successful ones older than the last
    /// <paramref name="keptReleases"/>; never the image the routed release or a pending rollback runs.</summary>
    public ISet<string> ImagesToDrop(int keptReleases)
    {
        var kept = Successful().Take(keptReleases).Concat(Pending).Select(d => d.ImageOf).ToHashSet();
        if (Routed is { } routed) kept.Add(Find(routed.DeploymentId)?.ImageOf ?? routed.DeploymentId);
        // A rollback built no image of its own.
        return Deployments.Where(d => d.Rollback is null && Ended.ContainsKey(d.Id) && !kept.Contains(d.Id)).Select(d => d.Id).ToHashSet();
    }

    /// <summary>A plain dictionary: the view may cross nodes, and Newtonsoft cannot rebuild immutable ones.</summary>
    public EnvView EnvView => new(Name, new SortedDictionary<string, string>(Env, StringComparer.Ordinal));

    public IAppEvent? DecideEnv(ChangeEnv change, DateTimeOffset now, out string? error)
    {
        error = change.Set.Keys.Concat(change.Unset).Select(EnvKey.Validate)
            .Concat(change.Set.Select(p => EnvKey.ValidateValue(p.Key, p.Value))).FirstOrDefault(e => e is not null);
        if (change.Set.Count + change.Unset.Count == 0) error = "no variable to set or unset";
        if (error is null && Env.SetItems(change.Set).RemoveRange(change.Unset).Sum(p => (long)EnvKey.Bytes(p.Key, p.Value)) is var total
            && total > EnvKey.MaxTotalBytes)
            error = $"the environment would be {total} bytes, over the {EnvKey.MaxTotalBytes} byte limit for all variables together";
        // Events hold plain collections: the journal's JSON serializer cannot rebuild compiler-made or immutable ones.
        return error is null ? new EnvChanged(Name, new Dictionary<string, string>(change.Set), change.Unset.ToList(), now, change.By) : null;
    }

    /// <summary>Only the deployment that runs now (the queue's head) may take the traffic: a late or stray promote must
    /// not move it. Null when allowed, else why not.</summary>
    public string? RefusePromote(string deploymentId) =>
        Find(deploymentId) is null ? $"deployment '{deploymentId}' not found"
        : Ended.TryGetValue(deploymentId, out var status) ? $"deployment '{deploymentId}' has already ended ({status})"
        : Pending.First().Id != deploymentId ? $"deployment '{deploymentId}' is not the one running"
        : null;

    /// <summary>The formation as the routed release runs it (before any release: as journaled then, if ever).</summary>
    public FormationView FormationView => new(Name, Routed is { } routed
        ? routed.Types.ToDictionary(t => t.Name, t => Formation.GetValueOrDefault(t.Name, 1))
        : new Dictionary<string, int>(Formation));

    /// <summary>Containers per type of the routed release under the formation.</summary>
    public IReadOnlyList<(string Type, int Count)> ReleaseFormation(RoutedRelease routed) =>
        routed.Types.Select(t => (t.Name, Formation.GetValueOrDefault(t.Name, 1))).ToList();

    /// <summary>Only a routed release's Procfile says which process types exist: before one, any name and count would be
    /// journaled (and started by the first deployment), so a scale waits for it (a conflict, not a bad request).</summary>
    public FormationChanged? DecideScale(ScaleApp scale, DateTimeOffset now, out AppError? refusal)
    {
        var running = Pending.FirstOrDefault();
        var inProgress = running is null ? null
            : $"deployment {running.Id} is in progress: scale once it has ended (it starts the formation it was given)";
        if (scale.Set.Count == 0) refusal = new AppError("nothing to scale: give TYPE=N, e.g. web=2");
        else if (Routed is not { } routed)
            refusal = new AppError(inProgress ?? $"{Name} has no release yet: deploy it first; the release's Procfile says which process types exist",
                Conflict: inProgress is null);
        else
        {
            var known = routed.Types.Select(t => t.Name).ToList();
            var error = scale.Set.Select(p => p.Key == Procfile.PostDeploy ? "postdeploy is the hook: it runs once per deployment and cannot be scaled"
                : !Procfile.IsValidName(p.Key) ? $"invalid process type '{p.Key}' (use letters, digits, '-' or '_')"
                : !known.Contains(p.Key) ? $"unknown process type '{p.Key}': the routed release (v{routed.Version}) runs {string.Join(", ", known)}"
                : p.Value < 0 ? $"{p.Key}={p.Value}: a count cannot be negative"
                : p.Value > MaxScale ? $"{p.Key}={p.Value}: at most {MaxScale} containers per process type"
                : p.Key == Procfile.Web && p.Value == 0 ? "web=0 would leave the router nothing to serve: web runs at least one container"
                : null).FirstOrDefault(e => e is not null) ?? inProgress;
            refusal = error is null ? null : new AppError(error);
        }
        return refusal is null ? new FormationChanged(Name, new Dictionary<string, int>(scale.Set), now, scale.By) : null;
    }

    /// <summary>A scale waits for the one under way (then for <see cref="DecideScale(ScaleApp, DateTimeOffset, out AppError?)"/>).</summary>
    public FormationChanged? DecideScale(ScaleApp scale, DateTimeOffset now, bool scaleUnderWay, out AppError? refusal)
    {
        if (!scaleUnderWay) return DecideScale(scale, now, out refusal);
        refusal = new AppError($"a scale of '{Name}' is under way: try again once it has ended");
        return null;
    }

    /// <summary>What a formation change does to the routed release: the containers that stay, the formation it runs
    /// then, and the reason journaled with it.</summary>
    public (IReadOnlyList<ContainerSpec> Keep, IReadOnlyList<(string Type, int Count)> Formation, string Reason) PlanScale(FormationChanged change)
    {
        var routed = Routed!;
        var formation = Apply(change).ReleaseFormation(routed);
        return (routed.Containers.Where(c => formation.Any(f => f.Type == c.Type && c.Index <= f.Count)).ToList(), formation,
            $"scaled to {string.Join(" ", formation.Select(f => $"{f.Type}={f.Count}"))}");
    }

    /// <summary>The routed release with the containers that stay and those added, in order.</summary>
    public ReleaseScaled Scaled(IEnumerable<ContainerSpec> keep, IEnumerable<ContainerSpec> added, string reason, DateTimeOffset now) =>
        new(Name, Routed!.DeploymentId, keep.Concat(added).OrderBy(c => c.Type, StringComparer.Ordinal).ThenBy(c => c.Index).ToList(), reason, now);

    /// <summary>The routed release's containers in the order a restart takes them (web first), each with its worker and
    /// (web ones) the endpoint routers reach it at.</summary>
    public IReadOnlyList<(ContainerSpec Spec, string? Endpoint)> RestartOrder(string advertiseHost)
    {
        var routed = Routed!;
        return routed.Containers.OrderBy(c => c.Type != Procfile.Web).ThenBy(c => c.Type, StringComparer.Ordinal).ThenBy(c => c.Index)
            .Select(c => (c with { Worker = routed.WorkerOf(c) }, c.Port is null ? null : AppRoutes.Endpoint(routed, c, advertiseHost))).ToList();
    }

    /// <summary>Only the deployment that runs now may take the traffic (<see cref="RefusePromote"/>); once it holds it,
    /// promoting it again changes nothing. Null with <paramref name="answer"/>: nothing to journal.</summary>
    public IReadOnlyList<IAppEvent>? DecidePromote(PromoteDeployment p, DateTimeOffset now, out object? answer)
    {
        answer = RefusePromote(p.DeploymentId) is { } refused ? new AppError(refused)
            : Routed?.DeploymentId == p.DeploymentId ? new DeploymentPromoted(p.DeploymentId)
            : null;
        return answer is not null ? null :
        [
            new DeploymentRouted(Name, p.DeploymentId, p.Version, p.Containers.ToList(), now, p.Processes.ToList(), p.Worker, p.WorkerHost),
            .. p.Checks is { } checks ? [new ReleaseChecksSet(Name, p.DeploymentId, checks, now)] : Array.Empty<IAppEvent>(),
        ];
    }

    /// <summary>The end of a pending deployment whose actor stopped unexpectedly twice.</summary>
    public DeploymentEnded AbortedTwice(string deploymentId, DateTimeOffset now) =>
        new(Name, deploymentId, DeploymentStatus.Aborted, now, now, "the deployment stopped unexpectedly twice");

    /// <summary>A restart needs a routed release, and nothing else under way (a deployment's switch would leave the
    /// restart's containers behind). Null when allowed, else why not.</summary>
    public AppError? RefuseRestart(bool scaleOrRestartUnderWay) =>
        Routed is null ? new AppError($"app '{Name}' has no routed release to restart: deploy it first", Conflict: true)
        : scaleOrRestartUnderWay || Pending.Any()
            ? new AppError($"a deployment, scale or restart of '{Name}' is under way: restart once it has ended", Conflict: true)
        : null;

    /// <summary>Only a deployment that has not ended can be canceled. Null when allowed, else why not.</summary>
    public AppError? RefuseCancel(string deploymentId) =>
        Find(deploymentId) is null ? new AppError($"deployment '{deploymentId}' not found", NotFound: true)
        : Ended.TryGetValue(deploymentId, out var status)
            ? new AppError($"deployment {deploymentId} cannot be canceled: it already ended as {status}", Conflict: true)
        : null;

    /// <summary>The deployment whose turn it is now: the oldest pending one, once the one running has ended and no
    /// restart is under way (a deployment made during a restart waits for it). Null: none may start.</summary>
    public DeploymentRef? NextToStart(string? running, bool restarting) =>
        restarting || (running is not null && !Ended.ContainsKey(running)) ? null : Pending.FirstOrDefault();

    /// <summary>Whether these containers are the routed release's.</summary>
    public bool IsRouted(IEnumerable<ContainerSpec> containers) =>
        Routed is { } routed && containers.All(c => c.DeploymentId == routed.DeploymentId);

    /// <summary>Containers of a lost worker start elsewhere only while no scale nor deployment is under way, and while
    /// those to <paramref name="keep"/> still are the routed release's.</summary>
    public bool MayReplaceLost(bool scaleUnderWay, IReadOnlyList<ContainerSpec> keep) =>
        !scaleUnderWay && !Pending.Any() && Routed is { } routed && keep.All(routed.Containers.Contains);

    /// <summary>How many of the latest deployments a repeated upload's key is looked for in: a client retries within
    /// minutes, so older keys need not be kept looking.</summary>
    public const int RecentKeys = 100;

    /// <summary>The deployment an upload with the same idempotency key made already (null: none, or no key).</summary>
    public DeploymentRef? Repeated(CreateDeployment create) => create.IdempotencyKey is { } key
        ? Deployments.TakeLast(RecentKeys).LastOrDefault(d => d.IdempotencyKey == key)
        : null;

    public DeploymentQueued DecideDeployment(CreateDeployment create, DateTimeOffset now) =>
        new(Name, DeploymentId.For(Name, LastVersion + 1), LastVersion + 1, create.ArchivePath,
            new Dictionary<string, string>(Env), now, create.ArchiveNode, create.By, create.IdempotencyKey);

    public AppState Apply(IAppEvent e) => e switch
    {
        RollbackPlanned p when Find(p.DeploymentId) is { } d => this with { Deployments = Deployments.Replace(d, d with { Rollback = p }) },
        EnvChanged c => this with { Env = Env.SetItems(c.Set).RemoveRange(c.Unset) },
        AppLocked l => this with { Lock = new AppLock(l.Reason, l.By, l.At) },
        AppUnlocked => this with { Lock = null },
        MaintenanceChanged m => this with { Maintenance = m.Mode },
        ChecksChanged c => this with { Checks = c.Checks },
        DeploymentQueued q => this with
        {
            Deployments = Deployments.Add(new DeploymentRef(q.DeploymentId, q.Version, q.ArchivePath, q.Env, q.At, q.ArchiveNode, q.By,
                q.IdempotencyKey)),
        },
        DeploymentRouted r => this with
        {
            Routed = new RoutedRelease(r.DeploymentId, r.Version, r.Containers, r.Processes, r.Worker, r.WorkerHost),
            Releases = Releases.SetItem(r.DeploymentId, new ReleaseRecord(
                r.Containers.FirstOrDefault()?.Image ?? Find(r.DeploymentId)?.Rollback?.Image ?? "", r.Processes, r.At)),
        },
        ReleaseChecksSet c when Routed?.DeploymentId == c.DeploymentId => this with { Routed = Routed with { Checks = c.Checks } },
        FormationChanged f => this with { Formation = Formation.SetItems(f.Set) },
        ReleaseScaled r when Routed?.DeploymentId == r.DeploymentId => this with { Routed = Routed with { Containers = r.Containers } },
        DeploymentEnded x => this with
        {
            Ended = Ended.SetItem(x.DeploymentId, x.Status),
            Outcomes = Outcomes.SetItem(x.DeploymentId, new DeploymentOutcome(x.Status, x.Error, x.FinishedAt)),
        },
        ContainerRestarted c => this with
        {
            Restarts = Restarts.SetItem(RevivalKey(c.DeploymentId, c.Slot),
                new SlotRevivals(Restarts.GetValueOrDefault(RevivalKey(c.DeploymentId, c.Slot))?.Count + 1 ?? 1, c.ExitCode)),
        },
        _ => this,
    };
}
