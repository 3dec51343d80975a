using Engine.Protocol;
using Engine.Runs;

namespace Engine.Apps;

/// <summary>An app's releases: the list `engine releases` shows, and what a rollback to one of them may do.</summary>
public sealed partial record AppState
{
    /// <summary>Every successful release, newest first, with where its image is now.</summary>
    public ReleaseList ReleasesView(ImagesListed images) => new(Successful().Select(d =>
    {
        var release = Releases.GetValueOrDefault(d.Id);
        var on = images.Images.Where(i => i.DeploymentId == d.ImageOf).ToList();
        return new ReleaseView($"v{d.Version}", d.Id, release?.Image ?? d.Rollback?.Image ?? "", on.FirstOrDefault()?.Id,
            release?.At ?? Outcomes.GetValueOrDefault(d.Id)?.FinishedAt ?? d.QueuedAt, d.By,
            release?.Processes.FirstOrDefault(p => p.Name == Procfile.PostDeploy)?.Command, on.Count > 0,
            on.Select(i => i.Worker).Distinct().Order(StringComparer.Ordinal).ToList(), Routed?.DeploymentId == d.Id,
            d.Rollback is { } r ? $"v{r.RollbackOf}" : null);
    }).ToList(), images.Error);

    /// <summary>What `engine run` starts from: the routed release's image and today's env; null before any release.</summary>
    public RunRelease? RunRelease() => Routed is not { } routed ? null
        : (Releases.GetValueOrDefault(routed.DeploymentId)?.Image ?? routed.Containers.FirstOrDefault()?.Image) is not { } image ? null
        : new RunRelease(routed.DeploymentId, routed.Containers.FirstOrDefault()?.Version ?? $"v{routed.Version}", image, Env,
            routed.Containers.Select(routed.WorkerOf).OfType<string>().ToHashSet());

    /// <summary>A rollback queues as a deploy does, with the target's image, Procfile and (unless asked otherwise) env;
    /// null with <paramref name="refusal"/> when there is nothing to go back to, or its image is gone.</summary>
    public (DeploymentQueued Queued, RollbackPlanned Planned)? DecideRollback(RollbackApp r, ImagesListed images, int keptReleases,
        DateTimeOffset now, out AppError? refusal)
    {
        AppError? refused = null;
        void Refuse(string why, bool unavailable = false) => refused = new AppError(why, Conflict: !unavailable, Unavailable: unavailable);
        if (Routed is not { } routed)
        {
            refusal = new AppError($"app '{Name}' has no routed release to roll back from: deploy it first", Conflict: true);
            return null;
        }
        var target = r.ToVersion is { } wanted
            ? Deployments.FirstOrDefault(d => d.Version == wanted)
            : Successful().FirstOrDefault(d => d.Version < routed.Version);
        var release = target is null ? null : Releases.GetValueOrDefault(target.Id);
        var holders = target is null ? [] : images.Images.Where(i => i.DeploymentId == target.ImageOf).Select(i => i.Worker).Distinct().ToList();
        if (target is null)
            Refuse(r.ToVersion is { } v ? $"{Name} has no version v{v}" : $"{Name} has no successful release before v{routed.Version} to roll back to");
        else if (Ended.GetValueOrDefault(target.Id) is var status && status != DeploymentStatus.Success)
            Refuse($"v{target.Version} of {Name} never succeeded ({status ?? "still in progress"}): only a successful release can be rolled back to");
        else if (target.Id == routed.DeploymentId)
            Refuse($"v{target.Version} is the routed release of {Name} already");
        else if (release is null)
            Refuse($"v{target.Version} of {Name} was released before this engine kept release records: deploy its source again");
        else if (holders.Count == 0)
            Refuse(images.Error is { } error
                ? $"cannot tell whether the image of v{target.Version} is still on a worker: {error}"
                : $"the image of v{target.Version} ({release.Image}) was pruned from every worker: the engine keeps the images of the "
                  + $"last {keptReleases} releases (Engine:KeepReleases)", unavailable: images.Error is not null);
        refusal = refused;
        if (refused is not null) return null;

        var version = LastVersion + 1;
        var id = DeploymentId.For(Name, version);
        var env = new Dictionary<string, string>(r.CurrentEnv ? Env : target!.Env);
        return (new DeploymentQueued(Name, id, version, "", env, now, By: r.By),
            new RollbackPlanned(Name, id, target!.Version, target.ImageOf, release!.Image, release.Processes.ToList(), holders,
                r.SkipHook, r.CurrentEnv, now));
    }
}
