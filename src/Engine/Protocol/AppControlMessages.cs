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
