using Akka.Actor;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using Engine.Apps;
using Engine.Deployments;

namespace Engine.Audit;

/// <summary>One journal event. <paramref name="Variables"/>: for an env change, the names set and unset (never values).</summary>
public sealed record AuditEntry(long SequenceNr, string Timestamp, string PersistenceId, string? Deployment, string Type,
    string? Status, string? Variables = null);

/// <summary>Reads an app's history from the event journal through Akka.Persistence.Query.</summary>
public static class AuditLog
{
    private static string EnvNames(EnvChanged c) => string.Join("; ", new[]
    {
        c.Set.Count > 0 ? "set " + string.Join(", ", c.Set.Keys.Order()) : null,
        c.Unset.Count > 0 ? "unset " + string.Join(", ", c.Unset.Order()) : null,
    }.OfType<string>());

    /// <summary>The app's events (those its tag files) in journal order. Read by persistence id, which SQLite finds by
    /// index, rather than by tag: the plugin's tag query scans the journal from the given offset on SQLite (about 1 s
    /// at 100k events). Only for an app that exists: its registration wrote the journal tables the query reads.</summary>
    public static async Task<IReadOnlyList<AuditEntry>> ForAppAsync(ActorSystem system, AuditSources sources)
    {
        var journal = PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);
        var materializer = system.Materializer();
        var parts = await Task.WhenAll(sources.Ranges.Select(r => journal.CurrentEventsByPersistenceId(r.PersistenceId, r.From, r.To)
            .RunWith(Sink.Seq<EventEnvelope>(), materializer)));
        var envelopes = parts.SelectMany(p => p)
            .Where(e => e.Event is IAppEvent a && a.App == sources.App)
            .OrderBy(e => ((Sequence)e.Offset).Value);
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
