using Engine.Deployments;
using Engine.Protocol;

namespace Engine.Audit;

/// <summary>One journal event. <paramref name="Variables"/>: for an env change, the names set and unset (never values).</summary>
/// <param name="Detail">What an event adds to its type: for a rollback, its target and options.</param>
public sealed record AuditEntry(long SequenceNr, string Timestamp, string PersistenceId, string? Deployment, string Type,
    string? Status, string? Variables = null, string? Detail = null);

/// <summary>Reads an app's history from the event journal, replaying each of its persistence ids.</summary>
public static class AuditLog
{
    internal static string EnvNames(EnvChanged c) => string.Join("; ", new[]
    {
        c.Set.Count > 0 ? "set " + string.Join(", ", c.Set.Keys.Order()) : null,
        c.Unset.Count > 0 ? "unset " + string.Join(", ", c.Unset.Order()) : null,
    }.OfType<string>());

    /// <summary>The app's events (those its tag files: its registration, its own, its deployments'), in journal order.
    /// Read by persistence id and sequence range, which both databases find by the journal's key.</summary>
    public static async Task<IReadOnlyList<AuditEntry>> ForAppAsync(JournalReader journal, AuditSources sources, CancellationToken ct)
    {
        var events = await journal.RangesAsync(sources.Ranges, ct);
        return events.Where(e => e.Event is IAppEvent a && a.App == sources.App).Select(e => new AuditEntry(
            e.SequenceNr,
            e.Timestamp.UtcDateTime.ToString("O"),
            e.PersistenceId,
            (e.Event as IAboutDeployment)?.DeploymentId,
            e.Event.GetType().Name,
            e.Event switch
            {
                IDeploymentEvent d => DeploymentState.StatusSetBy(d),
                DeploymentEnded x => x.Status,
                _ => null,
            },
            e.Event is EnvChanged c ? EnvNames(c) : null,
            e.Event switch
            {
                RollbackPlanned p => $"rollback to v{p.RollbackOf} (image {p.Image}), {(p.CurrentEnv ? "today's env" : $"the env of v{p.RollbackOf}")}"
                                     + (p.SkipHook ? ", --skip-hook: no postdeploy hook" : ""),
                OneOffStarted s => $"{s.Slot} of {s.Version} on {s.Worker}{(s.Detached ? ", detached" : "")}: {s.Command}",
                OneOffEnded x => $"{Procfile.OneOff}-{x.Number} " + (x.Error is { } why ? $"failed: {why}" : "exited")
                                 + (x.ExitCode is { } code ? $" (exit code {code})" : ""),
                ContainerUnhealthy u => $"{u.Slot} unhealthy ({u.Answer}): "
                                        + (u.OutOfRoute ? "out of the route" : "kept in the route: every other web container is failing too"),
                AppLocked l => $"locked by {l.By ?? "an operator"}: {l.Reason}",
                AppUnlocked u => $"unlocked by {u.By ?? "an operator"}",
                MaintenanceChanged { Mode: { } m } on => $"maintenance on by {on.By ?? "an operator"} (Retry-After {m.RetryAfter} s): {m.Message}",
                MaintenanceChanged off => $"maintenance off by {off.By ?? "an operator"}",
                _ => null,
            })).ToList();
    }
}
