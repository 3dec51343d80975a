using Engine.Journal;
using Engine.Admin;
using Engine.Apps;
using Engine.Audit;
using Engine.Deployments;
using Engine.Routing;
using Engine.Cluster;
using Engine.Secrets;
using Engine.Protocol;
using Engine.Containers;

namespace Engine.Hosting;

/// <summary>Bound from the `Engine` configuration section; `engine serve` options override it. The one place of the keys,
/// their defaults and their checks (<see cref="Prepare"/>); each domain is handed only its part, as its own settings
/// record (<see cref="Deployments"/>, <see cref="Apps"/>, <see cref="Router"/>, <see cref="Admin"/>,
/// <see cref="JournalSettings"/>, <see cref="Cluster"/>), so no domain reads this class.</summary>
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
    /// <summary>How long a Docker control call (inspect, list, create, start, remove) may take before it fails.</summary>
    public TimeSpan DockerTimeout { get; set; } = TimeSpan.FromSeconds(30);
    public long MaxUploadBytes { get; set; } = 512L * 1024 * 1024;

    /// <summary>Every admin request body except uploads (env changes are small).</summary>
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Bounds on the build context once expanded (what Docker would write), checked before `docker build`.</summary>
    public long MaxContextBytes { get; set; } = ContextLimits.Default.MaxBytes;
    public int MaxContextFiles { get; set; } = ContextLimits.Default.MaxFiles;

    /// <summary>An upload that sends nothing for this long is given up; the whole upload must end within UploadTimeout.</summary>
    public TimeSpan UploadIdleTimeout { get; set; } = TimeSpan.FromSeconds(60);
    public TimeSpan UploadTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Bearer token of the admin API; required when it is bound to a non-loopback address. Never logged.</summary>
    public string AdminToken { get; set; } = Environment.GetEnvironmentVariable("ENGINE_ADMIN_TOKEN") ?? "";
    public string AdminTokenFile { get; set; } = "";

    /// <summary>Extra Host names the admin API answers to (comma-separated), e.g. a DNS name of a 0.0.0.0-bound node.</summary>
    public string AdminHosts { get; set; } = "";

    /// <summary>How long removing containers is retried (with backoff) before the leftovers are reported.</summary>
    public TimeSpan RemovalRetry { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a traffic switch may take (drain included) before its steps run again.</summary>
    public TimeSpan SwitchRetry { get; set; } = TimeSpan.FromSeconds(90);

    /// <summary>An app that never had a deployment stops after this long without a message, and is not recovered at the
    /// next start (it starts again on demand).</summary>
    public TimeSpan IdleAppPassivation { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>An app saves a snapshot of its state every this many events (and drops its older snapshots): a recovery
    /// reads the latest one and the events after it. Its events stay (the audit reads them all).</summary>
    public int SnapshotEvery { get; set; } = 50;

    /// <summary>Successful releases whose images stay on the workers for rollbacks, besides the routed one.</summary>
    public int KeepReleases { get; set; } = 5;

    /// <summary>Rotation of every container's log: bytes per file, and files (Docker's json-file driver).</summary>
    public long ContainerLogMaxSize { get; set; } = ContainerLogs.Default.MaxBytes;
    public int ContainerLogFiles { get; set; } = ContainerLogs.Default.Files;
    public ContainerLogs ContainerLogs => new(ContainerLogMaxSize, ContainerLogFiles);

    /// <summary>Stable per data directory, or per PostgreSQL journal (every node on it shares one); labels every container
    /// so two engines on one Docker never touch each other's.</summary>
    public string InstanceId { get; set; } = "";

    /// <summary>Base64 of the 32-byte key that encrypts env values in the journal (`Engine:SecretKey`, e.g. from the
    /// `Engine__SecretKey` environment variable; the same on every node of a cluster). Empty: read from
    /// <see cref="SecretKeyFile"/>, which is generated (mode 0600) on first start when it is the default one.</summary>
    public string SecretKey { get; set; } = "";

    /// <summary>Default: `secret.key` in the data dir.</summary>
    public string SecretKeyFile { get; set; } = "";

    /// <summary>Set by <see cref="Prepare"/>.</summary>
    public EnvCipher Cipher { get; private set; } = null!;

    /// <summary>`sqlite` (the embedded default: `engine.db` in the data dir) or `postgres` (needs
    /// <see cref="JournalConnection"/>; what a cluster of several nodes shares).</summary>
    public string Journal { get; set; } = JournalKind.Sqlite;

    /// <summary>The PostgreSQL connection string (Npgsql's form). Never logged: it may hold a password.</summary>
    public string JournalConnection { get; set; } = "";

    public bool UsesSqlite => Journal == JournalKind.Sqlite;

    public ClusterSettings Cluster { get; set; } = new();

    /// <summary>`HOST:PORT` of the Docker registry that carries images from the worker that built them to the others.
    /// Empty: none, which is only allowed while the cluster has one worker.</summary>
    public string Registry { get; set; } = "";

    private const UnixFileMode Private = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PrivateDir = Private | UnixFileMode.UserExecute;

    public string FullDataDir => Path.GetFullPath(DataDir);
    public string LogDir => Path.Combine(FullDataDir, "logs");
    public string UploadDir => Path.Combine(FullDataDir, "uploads");
    /// <summary>Uploads being received; renamed into UploadDir once accepted, so anything left here is partial.</summary>
    public string IncomingDir => Path.Combine(UploadDir, "incoming");
    public string DatabasePath => Path.Combine(FullDataDir, "engine.db");
    /// <summary>Sharding's durable distributed data (the remembered shards): one LMDB directory per node, never shared.</summary>
    public string ShardingDataDir => Path.Combine(FullDataDir, "sharding-ddata");
    public int AdminPort => new Uri(AdminUrl).Port;
    public int RouterPort => new Uri(RouterUrl).Port;

    public string LogPath(string deploymentId) => Deployments.LogPath(deploymentId);
    public ContextLimits ContextLimits => new(MaxContextBytes, MaxContextFiles);

    /// <summary>The deployments' part (also what the app's restarts, scales and release keeper use).</summary>
    public DeploymentSettings Deployments => new()
    {
        StartTimeout = StartTimeout, HookTimeout = HookTimeout, DeploymentTimeout = DeploymentTimeout, StopGrace = StopGrace,
        StabilityWindow = StabilityWindow, RemovalRetry = RemovalRetry, SwitchRetry = SwitchRetry, Registry = Registry,
        InstanceId = InstanceId, ContextLimits = ContextLimits, Cluster = Cluster, LogDir = LogDir, KeepReleases = KeepReleases,
    };

    public AppSettings Apps => new()
        { IdleAppPassivation = IdleAppPassivation, SnapshotEvery = SnapshotEvery, Cipher = Cipher, Domain = Domain, RouterPort = RouterPort, Deployments = Deployments };

    public RouterSettings Router => new() { RouterUrl = RouterUrl, Domain = Domain, StopGrace = StopGrace };

    public JournalSettings JournalSettings => new()
        { UsesSqlite = UsesSqlite, DatabasePath = DatabasePath, JournalConnection = JournalConnection };

    public AdminSettings Admin => new()
    {
        AdminUrl = AdminUrl, AdminToken = AdminToken, AdminHosts = AdminHosts, MaxRequestBodyBytes = MaxRequestBodyBytes,
        MaxUploadBytes = MaxUploadBytes, UploadIdleTimeout = UploadIdleTimeout, UploadTimeout = UploadTimeout,
        DeploymentTimeout = DeploymentTimeout, UploadDir = UploadDir, Journal = JournalSettings, Apps = Apps,
    };

    // Tests build one EngineSettings and hand it where a domain's part is taken.
    public static implicit operator DeploymentSettings(EngineSettings s) => s.Deployments;
    public static implicit operator AppSettings(EngineSettings s) => s.Apps;
    public static implicit operator RouterSettings(EngineSettings s) => s.Router;
    public static implicit operator JournalSettings(EngineSettings s) => s.JournalSettings;
    public static implicit operator AdminSettings(EngineSettings s) => s.Admin;

    /// <summary>Checks the values and prepares the data directory; throws with a message for the operator.</summary>
    public void Prepare()
    {
        foreach (var (name, url) in new[] { ("--admin-url", AdminUrl), ("--router-url", RouterUrl) })
            if (!Uri.TryCreate(url, UriKind.Absolute, out var u) || u.Scheme != "http")
                throw new ArgumentException($"{name} must be an http:// URL, got '{url}'");
        if (AdminPort == RouterPort)
            throw new ArgumentException("--admin-url and --router-url must use different ports");
        foreach (var (name, value) in new[] { ("start timeout", StartTimeout), ("hook timeout", HookTimeout),
                     ("deployment timeout", DeploymentTimeout), ("switch retry", SwitchRetry), ("docker timeout", DockerTimeout),
                     ("idle app passivation", IdleAppPassivation) })
            if (value <= TimeSpan.Zero) throw new ArgumentException($"{name} must be positive");
        if (SnapshotEvery <= 0) throw new ArgumentException("Engine:SnapshotEvery (events between snapshots) must be positive");
        if (KeepReleases <= 0) throw new ArgumentException($"Engine:KeepReleases (releases whose images stay) must be positive, got {KeepReleases}");
        if (ContainerLogMaxSize < 1024)
            throw new ArgumentException($"Engine:ContainerLogMaxSize (bytes per container log file) must be at least 1024, got {ContainerLogMaxSize}");
        if (ContainerLogFiles is < 1 or > 100)
            throw new ArgumentException($"Engine:ContainerLogFiles (log files per container) must be 1-100, got {ContainerLogFiles}");
        if (StopGrace < TimeSpan.Zero) throw new ArgumentException("stop grace must not be negative");
        if (StabilityWindow < TimeSpan.Zero) throw new ArgumentException("stability window must not be negative");
        if (RemovalRetry < TimeSpan.Zero) throw new ArgumentException("removal retry must not be negative");
        if (MaxUploadBytes <= 0) throw new ArgumentException("max upload size must be positive");
        if (MaxRequestBodyBytes <= 0) throw new ArgumentException("max request body size must be positive");
        if (MaxContextBytes <= 0 || MaxContextFiles <= 0) throw new ArgumentException("build context bounds must be positive");
        if (UploadIdleTimeout <= TimeSpan.Zero || UploadTimeout <= TimeSpan.Zero) throw new ArgumentException("upload timeouts must be positive");
        if (AdminTokenFile.Length > 0)
        {
            if (!File.Exists(AdminTokenFile)) throw new ArgumentException($"admin token file '{AdminTokenFile}' does not exist");
            AdminToken = File.ReadAllText(AdminTokenFile).Trim();
            if (AdminToken.Length == 0) throw new ArgumentException($"admin token file '{AdminTokenFile}' is empty");
        }
        if (AdminToken.Length == 0 && !AdminAddress.IsLoopback(AdminUrl))
            throw new ArgumentException($"the admin API would listen on {AdminUrl}, beyond loopback, without a token: "
                + "set ENGINE_ADMIN_TOKEN, Engine:AdminToken or --admin-token-file");
        if (Registry.Length > 0 && !System.Text.RegularExpressions.Regex.IsMatch(Registry, @"^[A-Za-z0-9.-]+(:[0-9]{1,5})?$"))
            throw new ArgumentException($"--registry must be HOST:PORT (no scheme, no path), got '{Registry}'");
        JournalKind.Check(this);
        Cluster.Check(UsesSqlite);
        PrepareDataDir();
        JournalFormat.Check(this);
        Directory.CreateDirectory(LogDir);
        Directory.CreateDirectory(UploadDir);
        Directory.CreateDirectory(IncomingDir);
        // Nothing is being received before the node starts: whatever is here was cut off.
        foreach (var partial in Directory.EnumerateFiles(IncomingDir, "*.part")) File.Delete(partial);
        Cipher = LoadCipher();
        var idFile = Path.Combine(FullDataDir, "instance-id");
        if (!File.Exists(idFile)) File.WriteAllText(idFile, Guid.NewGuid().ToString("N")[..12]);
        InstanceId = File.ReadAllText(idFile).Trim();
        var workerNameFile = Path.Combine(FullDataDir, "worker-name");
        if (Cluster.WorkerName.Length == 0)
        {
            if (!File.Exists(workerNameFile)) File.WriteAllText(workerNameFile, $"worker-{Guid.NewGuid():N}"[..15]);
            Cluster.WorkerName = File.ReadAllText(workerNameFile).Trim();
        }
        if (!UsesSqlite) InstanceId = JournalKind.ClaimInstance(JournalConnection, Cipher, InstanceId);
    }

    /// <summary>The journal holds every app's history: the data dir and the databases are the engine user's alone,
    /// whatever the umask. The database file is created empty (SQLite takes it as a new database) so it is never
    /// world-readable, not even for a moment; SQLite gives its -wal/-shm/-journal files the database's mode.</summary>
    private void PrepareDataDir()
    {
        Directory.CreateDirectory(FullDataDir);
        if (OperatingSystem.IsWindows()) return;
        File.SetUnixFileMode(FullDataDir, PrivateDir);
        foreach (var database in new[] { DatabasePath, JournalSettings.LogsDatabaseBeside(DatabasePath) })
        {
            if (!File.Exists(database))
                new FileStream(database, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = Private })
                    .Dispose();
            foreach (var suffix in new[] { "", "-wal", "-shm", "-journal" })
                if (File.Exists(database + suffix)) File.SetUnixFileMode(database + suffix, Private);
        }
    }

    private EnvCipher LoadCipher()
    {
        if (SecretKey.Length > 0) return EnvCipher.FromBase64(SecretKey, "Engine:SecretKey");
        var file = SecretKeyFile.Length > 0 ? Path.GetFullPath(SecretKeyFile) : Path.Combine(FullDataDir, "secret.key");
        if (!File.Exists(file))
        {
            // A missing given file is an operator error; only the default one is generated (losing it loses the env).
            if (SecretKeyFile.Length > 0) throw new ArgumentException($"the secret key file {file} does not exist");
            using var w = new StreamWriter(new FileStream(file, OperatingSystem.IsWindows()
                ? new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write }
                : new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = Private }));
            w.Write(EnvCipher.NewKey());
        }
        return EnvCipher.FromBase64(File.ReadAllText(file), $"the secret key file {file}");
    }
}
