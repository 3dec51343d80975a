using System.Collections.Immutable;
using Engine.Protocol;

namespace Engine.Apps;

/// <summary>An app's state as its snapshot holds it. Plain collections (the contract's JSON rebuilds them), and env values
/// sealed as the journal's events hold them: a snapshot row is no more readable than an event row. v2 added the releases
/// (<see cref="AppState.Releases"/>) and a deployment's rollback; v3 the lock, the maintenance mode and the checks.</summary>
[Manifest("app-snapshot.v3")]
public sealed record AppSnapshot(string Name, Dictionary<string, string> Env, List<DeploymentRef> Deployments,
    Dictionary<string, string> Ended, Dictionary<string, DeploymentOutcome> Outcomes, RoutedRelease? Routed,
    Dictionary<string, int> Formation, Dictionary<string, SlotRevivals> Restarts, Dictionary<string, ReleaseRecord> Releases,
    AppLock? Lock, Maintenance? Maintenance, HealthCheck? Checks)
    : IEngineMessage
{
    /// <summary>Any snapshot this engine ever wrote, as the current one.</summary>
    public static AppSnapshot Upcast(object snapshot) => snapshot switch
    {
        AppSnapshot current => current,
        AppSnapshotV2 v2 => v2.Upcast(),
        _ => ((AppSnapshotV1)snapshot).Upcast().Upcast(),
    };

    /// <summary>The state, each env value mapped by <paramref name="seal"/>.</summary>
    public static AppSnapshot Of(AppState state, Func<IReadOnlyDictionary<string, string>, Dictionary<string, string>> seal) =>
        new(state.Name, seal(state.Env), state.Deployments.Select(d => d with { Env = seal(d.Env) }).ToList(),
            new Dictionary<string, string>(state.Ended), new Dictionary<string, DeploymentOutcome>(state.Outcomes),
            MapEnv(state.Routed, seal), new Dictionary<string, int>(state.Formation), new Dictionary<string, SlotRevivals>(state.Restarts),
            new Dictionary<string, ReleaseRecord>(state.Releases), state.Lock, state.Maintenance, state.Checks);

    /// <summary>The state it holds, each env value mapped by <paramref name="open"/>.</summary>
    public AppState ToState(Func<IReadOnlyDictionary<string, string>, Dictionary<string, string>> open) => new(Name)
    {
        Env = open(Env).ToImmutableSortedDictionary(),
        Deployments = Deployments.Select(d => d with { Env = open(d.Env) }).ToImmutableList(),
        Ended = Ended.ToImmutableDictionary(),
        Outcomes = Outcomes.ToImmutableDictionary(),
        Routed = MapEnv(Routed, open),
        Formation = Formation.ToImmutableSortedDictionary(),
        Restarts = Restarts.ToImmutableDictionary(),
        Releases = Releases.ToImmutableDictionary(),
        Lock = Lock,
        Maintenance = Maintenance,
        Checks = Checks,
    };

    private static RoutedRelease? MapEnv(RoutedRelease? routed, Func<IReadOnlyDictionary<string, string>, Dictionary<string, string>> env) =>
        routed is null ? null : routed with { Containers = routed.Containers.Select(c => c with { Env = env(c.Env) }).ToList() };
}

/// <summary>A snapshot written before locks and maintenance mode: read, never written.</summary>
[Manifest("app-snapshot.v2")]
public sealed record AppSnapshotV2(string Name, Dictionary<string, string> Env, List<DeploymentRef> Deployments,
    Dictionary<string, string> Ended, Dictionary<string, DeploymentOutcome> Outcomes, RoutedRelease? Routed,
    Dictionary<string, int> Formation, Dictionary<string, SlotRevivals> Restarts, Dictionary<string, ReleaseRecord> Releases)
    : IEngineMessage
{
    public AppSnapshot Upcast() => new(Name, Env, Deployments, Ended, Outcomes, Routed, Formation, Restarts, Releases, null, null, null);
}

/// <summary>A snapshot written before releases were kept: read, never written. Of the releases before it, only the routed
/// one is known (from its route).</summary>
[Manifest("app-snapshot.v1")]
public sealed record AppSnapshotV1(string Name, Dictionary<string, string> Env, List<DeploymentRef> Deployments,
    Dictionary<string, string> Ended, Dictionary<string, DeploymentOutcome> Outcomes, RoutedRelease? Routed,
    Dictionary<string, int> Formation, Dictionary<string, SlotRevivals> Restarts) : IEngineMessage
{
    public AppSnapshotV2 Upcast() => new(Name, Env, Deployments, Ended, Outcomes, Routed, Formation, Restarts,
        Routed is { } r && r.Containers.FirstOrDefault() is { } c
            ? new() { [r.DeploymentId] = new ReleaseRecord(c.Image, r.Processes, Outcomes.GetValueOrDefault(r.DeploymentId)?.FinishedAt ?? default) }
            : []);
}
