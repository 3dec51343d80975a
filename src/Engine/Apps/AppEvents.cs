using Engine.Containers;
using Engine.Deployments;

namespace Engine.Apps;

public sealed record AppRegistered(string App, DateTimeOffset At) : IAppEvent;

public sealed record EnvChanged(string App, IReadOnlyDictionary<string, string> Set, IReadOnlyList<string> Unset,
    DateTimeOffset At) : IAppEvent;

public sealed record DeploymentQueued(string App, string DeploymentId, int Version, string ArchivePath,
    IReadOnlyDictionary<string, string> Env, DateTimeOffset At) : IAppEvent, IAboutDeployment;

/// <summary>The app's traffic belongs to this deployment from now on; its containers are restored after a restart.</summary>
public sealed record DeploymentRouted(string App, string DeploymentId, int Version, IReadOnlyList<ContainerSpec> Containers,
    DateTimeOffset At) : IAppEvent, IAboutDeployment;

public sealed record DeploymentEnded(string App, string DeploymentId, string Status, DateTimeOffset At)
    : IAppEvent, IAboutDeployment;

/// <summary>A routed container exited after its deployment was over and the engine started it again.</summary>
public sealed record ContainerRestarted(string App, string DeploymentId, string Slot, long? ExitCode, DateTimeOffset At)
    : IAppEvent, IAboutDeployment;
