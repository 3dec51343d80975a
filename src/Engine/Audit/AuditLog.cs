using Akka.Actor;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using Engine.Deployments;

namespace Engine.Audit;

/// <summary>One journal event. <paramref name="Variables"/>: for an env change, the names set and unset (never values).</summary>
public sealed record AuditEntry(long SequenceNr, string Timestamp, string PersistenceId, string? Deployment, string Type,
    string? Status, string? Variables = null);

/// <summary>Reads an app's history from the event journal through Akka.Persistence.Query.</summary>
public static class AuditLog
{
    private static string EnvNames(Apps.EnvChanged c) => string.Join("; ", new[]
    {
        c.Set.Count > 0 ? "set " + string.Join(", ", c.Set.Keys.Order()) : null,
        c.Unset.Count > 0 ? "unset " + string.Join(", ", c.Unset.Order()) : null,
    }.OfType<string>());

    /// <summary>Only for an app that exists: its registration wrote the journal tables the query reads.</summary>
    public static async Task<IReadOnlyList<AuditEntry>> ForAppAsync(ActorSystem system, string app)
    {
        var journal = PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);
        var envelopes = await journal.CurrentEventsByTag(AppEventTagger.TagFor(app), Offset.NoOffset())
            .RunWith(Sink.Seq<EventEnvelope>(), system.Materializer());
        return envelopes.Select(e => new AuditEntry(
            e.SequenceNr,
            new DateTime(e.Timestamp, DateTimeKind.Utc).ToString("O"),
            e.PersistenceId,
            (e.Event as IAboutDeployment)?.DeploymentId,
            e.Event.GetType().Name,
            e.Event switch
            {
                IDeploymentEvent d => DeploymentState.StatusSetBy(d),
                Apps.DeploymentEnded x => x.Status,
                _ => null,
            },
            e.Event is Apps.EnvChanged c ? EnvNames(c) : null)).ToList();
    }
}
