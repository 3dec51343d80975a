namespace Engine.Routing;

/// <summary>What the router is given: where it listens, the domain apps are served under, how long a drain may take.
/// Handed over by the host (Hosting/EngineSettings holds the keys, defaults and checks).</summary>
public sealed record RouterSettings
{
    public string RouterUrl { get; init; } = "http://127.0.0.1:8080";
    public string Domain { get; init; } = "localhost";

    /// <summary>How long a switch waits for the old version's requests to drain.</summary>
    public TimeSpan StopGrace { get; init; }
}
