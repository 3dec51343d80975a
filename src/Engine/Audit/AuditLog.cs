using Akka.Actor;
using Engine.Apps;
using Engine.Deployments;

namespace Engine.Audit;

/// <summary>One journal event. <paramref name="Variables"/>: for an env change, the names set and unset (never values).</summary>
public sealed record AuditEntry(long SequenceNr, string Timestamp, string PersistenceId, string? Deployment, string Type,
    string? Status, string? Variables = null);

/// <summary>Reads an app's history from the event journal, replaying each of its persistence ids.</summary>
public static class AuditLog
{
    internal static string EnvNames(EnvChanged c) => string.Join("; ", new[]
    {
        c.Set.Count > 0 ? "set " + string.Join(", ", c.Set.Keys.Order()) : null,
        c.Unset.Count > 0 ? "unset " + string.Join(", ", c.Unset.Order()) : null,
    }.OfType<string>());

    private static readonly TimeSpan ReplayTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The app's events (those its tag files: its registration, its own, its deployments'), oldest first.
    /// Read per persistence id through the journal, which SQLite finds by index; see <see cref="JournalReplayActor"/>.</summary>
    public static async Task<IReadOnlyList<AuditEntry>> ForAppAsync(ActorSystem system, AuditSources sources)
    {
        var parts = await Task.WhenAll(sources.Ranges.Select(r => JournalReplayActor.ReplayAsync(system, r, ReplayTimeout)));
        var envelopes = parts.SelectMany(p => p)
            .Where(e => e.Payload is IAppEvent a && a.App == sources.App)
            .OrderBy(e => e.Timestamp).ThenBy(e => e.PersistenceId, StringComparer.Ordinal).ThenBy(e => e.SequenceNr)
            .Select(e => (e.SequenceNr, e.Timestamp, e.PersistenceId, Event: e.Payload));
        return envelopes.Select(e => new AuditEntry(
            e.SequenceNr,
            new DateTime(e.Timestamp, DateTimeKind.Utc).ToString("O"),
            e.PersistenceId,
            (e.Event as IAboutDeployment)?.DeploymentId,
            e.Event.GetType().Name,
            e.Event switch
            {
                IDeploymentEvent d => DeploymentState.StatusSetBy(d),
                DeploymentEnded x => x.Status,
                _ => null,
            },
            e.Event is EnvChanged c ? EnvNames(c) : null)).ToList();
    }
}
