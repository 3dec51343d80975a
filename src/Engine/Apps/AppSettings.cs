using Engine.Deployments;
using Engine.Secrets;

namespace Engine.Apps;

/// <summary>What an app actor is given: its idle passivation, where the router serves it, and what its deployments and
/// operations are given. Handed over by the host (Hosting/EngineSettings holds the keys, defaults and checks).</summary>
public sealed record AppSettings
{
    /// <summary>An app that never had a deployment stops after this long without a message.</summary>
    public TimeSpan IdleAppPassivation { get; init; }

    /// <summary>The router's domain and port, for <see cref="AppUrl"/>.</summary>
    public string Domain { get; init; } = "localhost";
    public int RouterPort { get; init; }

    /// <summary>An app snapshots its state every this many events.</summary>
    public int SnapshotEvery { get; init; }

    /// <summary>Seals the env values in the app's snapshots.</summary>
    public EnvCipher Cipher { get; init; } = null!;

    public DeploymentSettings Deployments { get; init; } = new();

    /// <summary>Where the router serves an app.</summary>
    public string AppUrl(string app) => $"http://{app}.{Domain}:{RouterPort}/";
}
