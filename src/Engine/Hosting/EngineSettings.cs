namespace Engine.Hosting;

/// <summary>Bound from the `Engine` configuration section; `engine serve` options override it.</summary>
public sealed class EngineSettings
{
    public string DataDir { get; set; } = "./data";
    public string AdminUrl { get; set; } = "http://127.0.0.1:4000";
    public string RouterUrl { get; set; } = "http://127.0.0.1:8080";
    public string DockerHost { get; set; } =
        Environment.GetEnvironmentVariable("DOCKER_HOST") is { Length: > 0 } h ? h : "unix:///var/run/docker.sock";
    public string Domain { get; set; } = "localhost";
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(60);
    public TimeSpan HookTimeout { get; set; } = TimeSpan.FromMinutes(20);
    public TimeSpan DeploymentTimeout { get; set; } = TimeSpan.FromMinutes(30);
    public TimeSpan StopGrace { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long every non-web container must run without exiting before a deployment goes on: a process
    /// that crash-loops under Docker's restart policy is never "up".</summary>
    public TimeSpan StabilityWindow { get; set; } = TimeSpan.FromSeconds(3);
    public long MaxUploadBytes { get; set; } = 512L * 1024 * 1024;

    /// <summary>How long removing containers is retried (with backoff) before the leftovers are reported.</summary>
    public TimeSpan RemovalRetry { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a traffic switch may take (drain included) before its steps run again.</summary>
    public TimeSpan SwitchRetry { get; set; } = TimeSpan.FromSeconds(90);

    /// <summary>Stable per data directory; labels every container so two engines on one Docker never touch each other's.</summary>
    public string InstanceId { get; set; } = "";

    public string FullDataDir => Path.GetFullPath(DataDir);
    public string LogDir => Path.Combine(FullDataDir, "logs");
    public string UploadDir => Path.Combine(FullDataDir, "uploads");
    public string DatabasePath => Path.Combine(FullDataDir, "engine.db");
    public int AdminPort => new Uri(AdminUrl).Port;
    public int RouterPort => new Uri(RouterUrl).Port;

    public string LogPath(string deploymentId) => Path.Combine(LogDir, $"{deploymentId}.log");
    public string NewUploadPath() => Path.Combine(UploadDir, $"{Guid.NewGuid():N}.tar");

    /// <summary>Checks the values and prepares the data directory; throws with a message for the operator.</summary>
    public void Prepare()
    {
        foreach (var (name, url) in new[] { ("--admin-url", AdminUrl), ("--router-url", RouterUrl) })
            if (!Uri.TryCreate(url, UriKind.Absolute, out var u) || u.Scheme != "http")
                throw new ArgumentException($"{name} must be an http:// URL, got '{url}'");
        if (AdminPort == RouterPort)
            throw new ArgumentException("--admin-url and --router-url must use different ports");
        foreach (var (name, value) in new[] { ("start timeout", StartTimeout), ("hook timeout", HookTimeout),
                     ("deployment timeout", DeploymentTimeout), ("switch retry", SwitchRetry) })
            if (value <= TimeSpan.Zero) throw new ArgumentException($"{name} must be positive");
        if (StopGrace < TimeSpan.Zero) throw new ArgumentException("stop grace must not be negative");
        if (StabilityWindow < TimeSpan.Zero) throw new ArgumentException("stability window must not be negative");
        if (RemovalRetry < TimeSpan.Zero) throw new ArgumentException("removal retry must not be negative");
        if (MaxUploadBytes <= 0) throw new ArgumentException("max upload size must be positive");
        Directory.CreateDirectory(LogDir);
        Directory.CreateDirectory(UploadDir);
        var idFile = Path.Combine(FullDataDir, "instance-id");
        if (!File.Exists(idFile)) File.WriteAllText(idFile, Guid.NewGuid().ToString("N")[..12]);
        InstanceId = File.ReadAllText(idFile).Trim();
    }
}
