
namespace Engine.Protocol;

/// <summary><paramref name="Idle"/>: registered by an env change, no deployment yet (until <see cref="AppDeploying"/>):
/// such an app has no container or route to restore, so it is not started at boot.</summary>
[Manifest("app-registered.v1")]
public sealed record AppRegistered(string App, DateTimeOffset At, bool Idle) : IAppEvent;

/// <summary>The registry's note that an idle app got its first deployment: from now on it is started at boot.</summary>
[Manifest("app-deploying.v1")]
public sealed record AppDeploying(string App, DateTimeOffset At) : IEngineMessage;

/// <param name="By">Who asked, in this and every event an operator's command makes (null: the engine itself).</param>
[Manifest("env-changed.v1")]
public sealed record EnvChanged(string App, IReadOnlyDictionary<string, string> Set, IReadOnlyList<string> Unset,
    DateTimeOffset At, string? By = null) : IAppEvent;

/// <param name="IdempotencyKey">The upload's key (null: none sent).</param>
[Manifest("deployment-queued.v1")]
public sealed record DeploymentQueued(string App, string DeploymentId, int Version, string ArchivePath,
    IReadOnlyDictionary<string, string> Env, DateTimeOffset At, string? ArchiveNode = null, string? By = null,
    string? IdempotencyKey = null) : IAppEvent, IAboutDeployment;

/// <summary>The app's traffic belongs to this deployment from now on; its containers are restored after a restart, each
/// on its worker. <paramref name="Processes"/>: the release's Procfile, which a scale starts more containers of;
/// <paramref name="Worker"/>: the worker that built it and holds its image.</summary>
[Manifest("deployment-routed.v1")]
public sealed record DeploymentRouted(string App, string DeploymentId, int Version, IReadOnlyList<ContainerSpec> Containers,
    DateTimeOffset At, IReadOnlyList<ProcessType> Processes, string? Worker = null, string? WorkerHost = null)
    : IAppEvent, IAboutDeployment;

/// <summary>`engine scale`: containers per process type from now on, for the routed release and later deployments.</summary>
[Manifest("formation-changed.v1")]
public sealed record FormationChanged(string App, IReadOnlyDictionary<string, int> Set, DateTimeOffset At, string? By = null) : IAppEvent;

/// <summary>The routed release runs these containers from now on: after a scale, or with those of a lost worker started
/// on others (<paramref name="Reason"/>).</summary>
[Manifest("release-scaled.v1")]
public sealed record ReleaseScaled(string App, string DeploymentId, IReadOnlyList<ContainerSpec> Containers, string Reason,
    DateTimeOffset At) : IAppEvent, IAboutDeployment;

/// <summary><paramref name="Error"/> and <paramref name="FinishedAt"/> are the deployment's own, so the app answers for a
/// finished deployment without recovering its actor.</summary>
[Manifest("deployment-ended.v1")]
public sealed record DeploymentEnded(string App, string DeploymentId, string Status, DateTimeOffset At, DateTimeOffset FinishedAt,
    string? Error = null) : IAppEvent, IAboutDeployment;

/// <summary>`engine apps restart`: these containers of the routed release were replaced by fresh ones (all of them unless
/// <paramref name="Error"/> says why it stopped).</summary>
[Manifest("app-restarted.v1")]
public sealed record AppRestarted(string App, string DeploymentId, IReadOnlyList<string> Slots, string By, DateTimeOffset At,
    string? Error = null) : IAppEvent, IAboutDeployment;

/// <summary>The HTTP checks the routed release was deployed with (journaled right after its DeploymentRouted): its web
/// containers are checked with them for as long as it is routed.</summary>
[Manifest("release-checks-set.v1")]
public sealed record ReleaseChecksSet(string App, string DeploymentId, HealthCheck Checks, DateTimeOffset At) : IAppEvent, IAboutDeployment;

/// <summary>A routed web container failed its HTTP checks <see cref="HealthCheck.Unhealthy"/> times in a row.
/// <paramref name="OutOfRoute"/>: whether it left the route (not when every other one was failing too).</summary>
[Manifest("container-unhealthy.v1")]
public sealed record ContainerUnhealthy(string App, string DeploymentId, string Slot, string Answer, bool OutOfRoute, DateTimeOffset At)
    : IAppEvent, IAboutDeployment;

/// <summary>A routed container exited after its deployment was over and the engine started it again.</summary>
[Manifest("container-restarted.v1")]
public sealed record ContainerRestarted(string App, string DeploymentId, string Slot, long? ExitCode, DateTimeOffset At)
    : IAppEvent, IAboutDeployment;

/// <summary>Journaled with its <see cref="DeploymentQueued"/>: the deployment is a rollback to <paramref name="RollbackOf"/>
/// (vN), reusing the image <paramref name="SourceDeploymentId"/> built (<paramref name="Image"/>) and vN's Procfile
/// (<paramref name="Processes"/>) without a build. <paramref name="Holders"/>: the workers that held the image then;
/// <paramref name="CurrentEnv"/>: today's env rather than vN's; <paramref name="SkipHook"/>: no postdeploy.</summary>
[Manifest("rollback-planned.v1")]
public sealed record RollbackPlanned(string App, string DeploymentId, int RollbackOf, string SourceDeploymentId, string Image,
    IReadOnlyList<ProcessType> Processes, IReadOnlyList<string> Holders, bool SkipHook, bool CurrentEnv, DateTimeOffset At)
    : IAppEvent, IAboutDeployment;
