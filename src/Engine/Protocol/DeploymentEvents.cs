
namespace Engine.Protocol;

/// <summary>Every journal event names its app, so the tagging adapter can file it for the audit.</summary>
public interface IAppEvent : IEngineMessage
{
    string App { get; }
}

/// <summary>An event about one deployment, whichever actor journals it.</summary>
public interface IAboutDeployment
{
    string DeploymentId { get; }
}

public interface IDeploymentEvent : IAppEvent, IAboutDeployment
{
    DateTimeOffset At { get; }
}

/// <summary><paramref name="ArchiveNode"/>: the address of the node that stored the upload (null: the deployment's own
/// node).</summary>
[Manifest("deployment-created.v1")]
public sealed record DeploymentCreated(string App, string DeploymentId, int Version, string ArchivePath,
    IReadOnlyDictionary<string, string> Env, DateTimeOffset At, string? ArchiveNode = null, string? By = null) : IDeploymentEvent;

/// <summary><paramref name="Worker"/>: the address of the worker node that builds it and runs its hook (null: the
/// deployment's own node); <paramref name="Formation"/>: the app's formation then (null: one of each).</summary>
[Manifest("build-started.v1")]
public sealed record BuildStarted(string App, string DeploymentId, DateTimeOffset At, string? Worker = null,
    IReadOnlyDictionary<string, int>? Formation = null) : IDeploymentEvent;

/// <summary>The app's HTTP checks when the deployment began (journaled with its BuildStarted when the app has checks): its
/// web containers are up once they pass them.</summary>
[Manifest("checks-planned.v1")]
public sealed record ChecksPlanned(string App, string DeploymentId, HealthCheck Checks, DateTimeOffset At) : IDeploymentEvent;

/// <summary><paramref name="WorkerHost"/>: where routers reach the building worker's containers (null: the node's own
/// setting).</summary>
[Manifest("image-built.v1")]
public sealed record ImageBuilt(string App, string DeploymentId, string Image, IReadOnlyList<ProcessType> Processes,
    DateTimeOffset At, string? WorkerHost = null, string? ImageId = null) : IDeploymentEvent;

[Manifest("containers-starting.v1")]
public sealed record ContainersStarting(string App, string DeploymentId, IReadOnlyList<ContainerSpec> Containers,
    DateTimeOffset At) : IDeploymentEvent;

/// <param name="ContainerIds">Docker's ids of the release's containers, up, by slot (for the audit).</param>
[Manifest("hook-started.v1")]
public sealed record HookStarted(string App, string DeploymentId, string Command, DateTimeOffset At,
    IReadOnlyDictionary<string, string> ContainerIds) : IDeploymentEvent;

/// <summary>The new containers are up and the hook (if any) succeeded: traffic may now move. <paramref name="ContainerIds"/>
/// as for <see cref="HookStarted"/> when there is no hook; <paramref name="HookExitCode"/> when there was one.</summary>
[Manifest("switch-started.v1")]
public sealed record SwitchStarted(string App, string DeploymentId, DateTimeOffset At, IReadOnlyDictionary<string, string>? ContainerIds = null,
    long? HookExitCode = null) : IDeploymentEvent;

[Manifest("traffic-switched.v1")]
public sealed record TrafficSwitched(string App, string DeploymentId, DateTimeOffset At) : IDeploymentEvent;

[Manifest("deployment-succeeded.v1")]
public sealed record DeploymentSucceeded(string App, string DeploymentId, DateTimeOffset At) : IDeploymentEvent;

/// <param name="By">Who ended it, when an operator did (a cancel).</param>
[Manifest("deployment-failed.v1")]
public sealed record DeploymentFailed(string App, string DeploymentId, string Status, string Error, DateTimeOffset At,
    string? By = null) : IDeploymentEvent;

public sealed record ProcessType(string Name, string? Command);

/// <summary>Journaled with its <see cref="DeploymentCreated"/>: a rollback, whose `building` step takes the image of
/// <paramref name="RollbackOf"/> (vN) instead of building one (see <see cref="RollbackPlanned"/>).</summary>
[Manifest("release-reused.v1")]
public sealed record ReleaseReused(string App, string DeploymentId, int RollbackOf, string SourceDeploymentId, string Image,
    IReadOnlyList<ProcessType> Processes, IReadOnlyList<string> Holders, bool SkipHook, DateTimeOffset At) : IDeploymentEvent;
