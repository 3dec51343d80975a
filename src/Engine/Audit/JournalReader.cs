using Akka.Actor;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;

namespace Engine.Audit;

/// <summary>The whole SQL journal through the read journal, for checks that need every persistence id at once.</summary>
public static class JournalReader
{
    /// <summary>Every event written so far, in the journal's global order, with the journal's event adapters applied
    /// (env values come back opened). Slow on a large SQLite journal: the plugin (1.5.73, tag table) fetches each row's
    /// tags as GROUP_CONCAT(CASE WHEN ordering_id = row THEN tag END) over the whole tags table, with no WHERE an index
    /// could serve, so the read grows with rows x tags (10,000 events: about 14 s).</summary>
    public static async Task<IReadOnlyList<JournalEvent>> AllAsync(ActorSystem system, CancellationToken ct)
    {
        var journal = PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier);
        var (kill, all) = journal.CurrentAllEvents(Offset.NoOffset())
            .Select(e => new JournalEvent(e.PersistenceId, e.SequenceNr, new DateTimeOffset(e.Timestamp, TimeSpan.Zero), e.Event,
                ((Sequence)e.Offset).Value))
            .ViaMaterialized(KillSwitches.Single<JournalEvent>(), Keep.Right)
            .ToMaterialized(Sink.Seq<JournalEvent>(), Keep.Both)
            .Run(system.Materializer());
        await using var cancel = ct.Register(() => kill.Abort(new OperationCanceledException(ct)));
        return await all;
    }
}
