using Engine.Cluster;
using Engine.Protocol;

namespace Engine.Deployments;

/// <summary>What deployments (and the app's operations that start or stop containers) are given: timeouts, the stop
/// grace, the stability window, the registry, where build and hook logs go. Handed over by the host from the `Engine`
/// configuration section (Hosting/EngineSettings holds the keys, defaults and checks).</summary>
public sealed record DeploymentSettings
{
    public TimeSpan StartTimeout { get; init; }
    public TimeSpan HookTimeout { get; init; }
    public TimeSpan DeploymentTimeout { get; init; }
    public TimeSpan StopGrace { get; init; }

    /// <summary>How long every non-web container must run without exiting before a deployment goes on.</summary>
    public TimeSpan StabilityWindow { get; init; }

    /// <summary>How long removing containers is retried (with backoff) before the leftovers are reported.</summary>
    public TimeSpan RemovalRetry { get; init; }

    /// <summary>How long a traffic switch may take (drain included) before its steps run again.</summary>
    public TimeSpan SwitchRetry { get; init; }

    /// <summary>Successful releases whose images stay on the workers, besides the routed one.</summary>
    public int KeepReleases { get; init; }

    /// <summary>`HOST:PORT` of the image registry; empty: none.</summary>
    public string Registry { get; init; } = "";

    /// <summary>Labels every image and container of this engine.</summary>
    public string InstanceId { get; init; } = "";

    public ContextLimits ContextLimits { get; init; } = ContextLimits.Default;
    public ClusterSettings Cluster { get; init; } = new();
    public string LogDir { get; init; } = "";

    public string LogPath(string deploymentId) => Path.Combine(LogDir, $"{deploymentId}.log");
}
