using Engine.Protocol;

namespace Engine.Apps;

/// <summary>An app's lock, maintenance mode and HTTP checks: what they refuse, and whether a change to them may be journaled.</summary>
public sealed partial record AppState
{
    /// <summary>Set by `engine apps lock`: deploy, rollback, scale and restart are refused while it holds.</summary>
    public AppLock? Lock { get; init; }

    /// <summary>Set by `engine maintenance APP on`: the routers answer 503 for the app while it holds.</summary>
    public Maintenance? Maintenance { get; init; }

    /// <summary>Set by `engine checks`: the HTTP checks of its deployments' web containers from the next one on.</summary>
    public HealthCheck? Checks { get; init; }

    public const int MaxLockReasonLength = 500;
    public const int MaxRetryAfter = 86_400;

    /// <summary>What the lock refuses, with who locked it, when and why; null when it may go on.</summary>
    public AppError? RefuseLocked(IAppMessage m)
    {
        var what = m switch { CreateDeployment => "deploy", RollbackApp => "roll back", ScaleApp => "scale", RestartApp => "restart", _ => null };
        return what is null || Lock is not { } held ? null : new AppError(
            $"{Name} is locked: cannot {what} it. Locked by {held.By ?? "an operator"} at {held.At:u}: {held.Reason}. "
            + $"Unlock it with `engine apps unlock {Name}`", Locked: true);
    }

    /// <summary>The event an env, lock or maintenance change journals (see <see cref="DecideControl"/>).</summary>
    public IAppEvent? DecideChange(IAppMessage change, DateTimeOffset now, out AppError? refusal)
    {
        if (change is not ChangeEnv env) return DecideControl(change, now, out refusal);
        var e = DecideEnv(env, now, out var error);
        refusal = error is null ? null : new AppError(error);
        return e;
    }

    /// <summary>The event a lock, unlock, maintenance or checks change journals. Null with no <paramref name="refusal"/>: it
    /// changes nothing (maintenance off while off, the same checks), so nothing is journaled.</summary>
    public IAppEvent? DecideControl(IAppMessage change, DateTimeOffset now, out AppError? refusal)
    {
        refusal = Deployments.Count == 0 && change is not SetChecks
            ? new AppError($"{Name} has never been deployed: deploy it first", Conflict: true)
            : change switch
            {
                LockApp l when string.IsNullOrWhiteSpace(l.Reason) => new AppError("a lock needs a reason: --reason TEXT"),
                LockApp l when l.Reason.Length > MaxLockReasonLength || l.Reason.Any(char.IsControl) =>
                    new AppError($"the reason must be one line of at most {MaxLockReasonLength} characters"),
                LockApp when Lock is { } held => new AppError(
                    $"{Name} is locked already, by {held.By ?? "an operator"} at {held.At:u}: {held.Reason}", Conflict: true),
                UnlockApp when Lock is null => new AppError($"{Name} is not locked", Conflict: true),
                SetMaintenance { Mode: { } m } when m.Message.Length is 0 or > Maintenance.MaxMessageLength =>
                    new AppError($"the maintenance message must be 1-{Maintenance.MaxMessageLength} characters"),
                SetMaintenance { Mode: { } m } when m.RetryAfter is < 1 or > MaxRetryAfter =>
                    new AppError($"--retry-after must be 1-{MaxRetryAfter} seconds (got {m.RetryAfter})"),
                SetChecks { Checks: { } c } when c.Invalid() is { } invalid => new AppError(invalid),
                _ => null,
            };
        return refusal is not null ? null : change switch
        {
            LockApp l => new AppLocked(Name, l.Reason.Trim(), now, l.By),
            UnlockApp u => new AppUnlocked(Name, now, u.By),
            SetMaintenance s when s.Mode != Maintenance => new MaintenanceChanged(Name, s.Mode, now, s.By),
            SetChecks c when c.Checks != Checks => new ChecksChanged(Name, c.Checks, now, c.By),
            _ => null,
        };
    }
}
