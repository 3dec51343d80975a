using System.Data;
using Akka.Actor;
using Akka.Persistence;
using Akka.Persistence.Journal;
using Engine.Hosting;

namespace Engine.Projections;

/// <summary>One journal event and its place in the journal's global ordering.</summary>
public sealed record JournalEntry(long Ordering, object Event);

/// <summary>The journal's events after an ordering, read from its table. Not the plugin's queries: in tag-table mode they
/// look up each row's tags with `GROUP_CONCAT(CASE WHEN t.ordering_id = x.ordering ...) FROM tags` (linq2db 6.5 turns the
/// correlated WHERE into a CASE), which reads the whole tag table for every row: about 100 events a second at 77,000
/// events, and no index helps. Payloads are read as the plugin stores them (serializer id and manifest per row) and
/// pass the journal's event adapters, as in a replay.</summary>
public sealed class JournalReader(ActorSystem system, EngineSettings settings)
{
    /// <summary>A gap in the orderings this recent may be a transaction still in flight (PostgreSQL with several
    /// writers): the read stops before it and comes back. Older gaps are rolled-back writes.</summary>
    private static readonly TimeSpan InFlight = TimeSpan.FromSeconds(10);

    private readonly EventAdapters _adapters = Persistence.Instance.Apply(system).AdaptersFor("akka.persistence.journal.sql");

    public async Task<IReadOnlyList<JournalEntry>> AfterAsync(long ordering, int max, CancellationToken ct)
    {
        await using var db = await DeploymentsTable.OpenAsync(settings, ct);
        await using var query = DeploymentsTable.Command(db, null, """
            SELECT ordering, created, message, identifier, manifest FROM journal
            WHERE ordering > @after AND deleted = @deleted ORDER BY ordering LIMIT @max
            """, ("@after", DbType.Int64, ordering), ("@deleted", DbType.Boolean, false), ("@max", DbType.Int32, max));
        await using var reader = await query.ExecuteReaderAsync(ct);
        var entries = new List<JournalEntry>();
        var previous = ordering;
        var settled = DateTime.UtcNow.Ticks - InFlight.Ticks;
        while (await reader.ReadAsync(ct))
        {
            var at = reader.GetInt64(0);
            if (at != previous + 1 && reader.GetInt64(1) > settled) break;
            previous = at;
            var manifest = reader.IsDBNull(4) ? "" : reader.GetString(4);
            var payload = system.Serialization.Deserialize((byte[])reader.GetValue(2), reader.GetInt32(3), manifest);
            entries.AddRange(_adapters.Get(payload.GetType()).FromJournal(payload, manifest).Events.Select(e => new JournalEntry(at, e)));
        }
        return entries;
    }
}
