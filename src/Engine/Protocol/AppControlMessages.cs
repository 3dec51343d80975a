namespace Engine.Protocol;

/// <summary>An app's lock: while it holds, deploy, rollback, scale and restart are refused (423).</summary>
public sealed record AppLock(string Reason, string? By, DateTimeOffset At);

/// <summary>An app in maintenance: every router answers its requests with 503, this message and Retry-After.</summary>
public sealed record Maintenance(string Message, int RetryAfter)
{
    public const string DefaultMessage = "This app is down for maintenance. Please come back soon.";
    public const int DefaultRetryAfter = 300;
    public const int MaxMessageLength = 2000;
}

/// <summary>`engine apps lock APP --reason TEXT` (-> AppView | AppError).</summary>
[Manifest("lock-app.v1")]
public sealed record LockApp(string App, string Reason, string? By = null) : IAppMessage;

/// <summary>`engine apps unlock APP` (-> AppView | AppError).</summary>
[Manifest("unlock-app.v1")]
public sealed record UnlockApp(string App, string? By = null) : IAppMessage;

/// <summary>`engine maintenance APP on|off` (-> AppView | AppError); null <paramref name="Mode"/>: off.</summary>
[Manifest("set-maintenance.v1")]
public sealed record SetMaintenance(string App, Maintenance? Mode, string? By = null) : IAppMessage;

[Manifest("app-locked.v1")]
public sealed record AppLocked(string App, string Reason, DateTimeOffset At, string? By = null) : IAppEvent;

[Manifest("app-unlocked.v1")]
public sealed record AppUnlocked(string App, DateTimeOffset At, string? By = null) : IAppEvent;

/// <param name="Mode">Null: maintenance off.</param>
[Manifest("maintenance-changed.v1")]
public sealed record MaintenanceChanged(string App, Maintenance? Mode, DateTimeOffset At, string? By = null) : IAppEvent;

/// <summary>To every router: the app's maintenance state (null: off); replayed with the routes to a router that joins.</summary>
[Manifest("app-maintenance.v1")]
public sealed record AppMaintenance(string App, Maintenance? Mode) : IEngineMessage;

/// <summary>`engine checks`: an HTTP GET of <paramref name="Path"/> on a web container's $PORT, on its worker. Starting, a
/// container is up once it answers 2xx or 3xx; every <paramref name="Interval"/> after that, <paramref name="Unhealthy"/>
/// failures in a row take it out of the route and <paramref name="Healthy"/> good answers put it back.</summary>
public sealed record HealthCheck(string Path, TimeSpan Interval, TimeSpan Timeout, int Healthy, int Unhealthy)
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(5), DefaultTimeout = TimeSpan.FromSeconds(2);
    public const int DefaultHealthy = 1, DefaultUnhealthy = 3, MaxCount = 10, MaxPathLength = 512;
    public static readonly TimeSpan MaxInterval = TimeSpan.FromHours(1), MinTimeout = TimeSpan.FromMilliseconds(100);

    /// <summary>Why these checks cannot be, or null.</summary>
    public string? Invalid() =>
        !Path.StartsWith('/') || Path.Length > MaxPathLength || Path.Any(c => char.IsWhiteSpace(c) || char.IsControl(c))
            ? $"--path must start with / and be at most {MaxPathLength} characters without spaces (got '{Path}')"
        : Interval < TimeSpan.FromSeconds(1) || Interval > MaxInterval ? $"--interval must be 1s-1h (got {Seconds(Interval)})"
        : Timeout < MinTimeout || Timeout > Interval
            ? $"--timeout must be at least 100ms and at most the interval, {Seconds(Interval)} (got {Seconds(Timeout)})"
        : Healthy is < 1 or > MaxCount || Unhealthy is < 1 or > MaxCount
            ? $"--healthy and --unhealthy must be 1-{MaxCount} (got {Healthy} and {Unhealthy})"
        : null;

    private static string Seconds(TimeSpan span) => $"{span.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)}s";
}

/// <summary>`engine checks APP …` (-> AppView | AppError); null <paramref name="Checks"/>: `--off`. It may come before the
/// first deployment, which its checks then gate, as an env change may.</summary>
[Manifest("set-checks.v1")]
public sealed record SetChecks(string App, HealthCheck? Checks, string? By = null) : ICreatesApp;

/// <summary>The app's checks, for its deployments from the next one on; null: off.</summary>
[Manifest("checks-changed.v1")]
public sealed record ChecksChanged(string App, HealthCheck? Checks, DateTimeOffset At, string? By = null) : IAppEvent;
