using Engine.Journal;
using Engine.Apps;
using Engine.Audit;

namespace Engine.Admin;

/// <summary>What the admin API (and the palettes mounted in it) is given: its address, token and Host names, body and
/// upload limits, where uploads go, how long it waits for a deployment, the journal it reads audits from. Handed over
/// by the host (Hosting/EngineSettings holds the keys, defaults and checks).</summary>
public sealed record AdminSettings
{
    public string AdminUrl { get; init; } = "http://127.0.0.1:4000";

    /// <summary>Bearer token of the admin API; empty: none (loopback only). Never logged.</summary>
    public string AdminToken { get; init; } = "";

    /// <summary>Extra Host names the admin API answers to (comma-separated).</summary>
    public string AdminHosts { get; init; } = "";

    /// <summary>Every admin request body except uploads.</summary>
    public long MaxRequestBodyBytes { get; init; }
    public long MaxUploadBytes { get; init; }

    /// <summary>An upload that sends nothing for this long is given up; the whole upload must end within UploadTimeout.</summary>
    public TimeSpan UploadIdleTimeout { get; init; }
    public TimeSpan UploadTimeout { get; init; }

    /// <summary>How long a request that waits for a deployment, a scale or a restart may take.</summary>
    public TimeSpan DeploymentTimeout { get; init; }

    public string UploadDir { get; init; } = "";
    public JournalSettings Journal { get; init; } = new();

    /// <summary>For the views of apps that are not running (their URL).</summary>
    public AppSettings Apps { get; init; } = new();

    public int AdminPort => new Uri(AdminUrl).Port;

    /// <summary>Uploads being received; renamed into UploadDir once accepted, so anything left here is partial.</summary>
    public string IncomingDir => Path.Combine(UploadDir, "incoming");
    public string NewUploadPath() => Path.Combine(UploadDir, $"{Guid.NewGuid():N}.tar");
    public string IncomingPath(string uploadPath) => Path.Combine(IncomingDir, Path.GetFileNameWithoutExtension(uploadPath) + ".part");
}
