using Engine.Journal;
using System.Data;
using System.Data.Common;
using Akka.Actor;
using Akka.Persistence;
using Akka.Persistence.Journal;
using Engine.Protocol;

namespace Engine.Audit;

/// <summary>The journal's events in its global order, read from its table, for the projection and the audit. Not the
/// plugin's queries: in tag-table mode they look up each row's tags with `GROUP_CONCAT(CASE WHEN t.ordering_id =
/// x.ordering ...) FROM tags` (linq2db 6.5 turns the correlated WHERE into a CASE), which reads the whole tag table for
/// every row: about 100 events a second at 77,000 events, and no index helps. Payloads are read as the plugin stores
/// them (serializer id and manifest per row) and pass the journal's event adapters, as in a replay.</summary>
public sealed class JournalReader(ActorSystem system, JournalSettings settings)
{
    /// <summary>A gap in the orderings this recent may be a transaction still in flight (PostgreSQL with several
    /// writers): a projection reads up to it and comes back. Older gaps are rolled-back writes (or deleted rows); SQLite,
    /// one writer, has no gap in flight.</summary>
    private static readonly TimeSpan InFlight = TimeSpan.FromSeconds(10);
    private const int Batch = 1000;

    private readonly EventAdapters _adapters = Persistence.Instance.Apply(system).AdaptersFor("akka.persistence.journal.sql");

    /// <summary>Up to <paramref name="max"/> rows after the ordering <paramref name="ordering"/> (an adapter may make a
    /// row into several events; they share its place); with <paramref name="stopAtGapInFlight"/>, only up to a gap that
    /// may still fill.</summary>
    public async Task<IReadOnlyList<JournalEvent>> AfterAsync(long ordering, int max, CancellationToken ct, bool stopAtGapInFlight = true)
    {
        stopAtGapInFlight &= !settings.UsesSqlite;
        await using var db = await JournalDatabase.OpenAsync(settings, ct);
        await using var query = JournalDatabase.Command(db, null, $"""
            SELECT {Columns} FROM journal
            WHERE ordering > @after AND deleted = @deleted ORDER BY ordering LIMIT @max
            """, ("@after", DbType.Int64, ordering), ("@deleted", DbType.Boolean, false), ("@max", DbType.Int32, max));
        await using var reader = await query.ExecuteReaderAsync(ct);
        var entries = new List<JournalEvent>();
        var nodes = new Dictionary<long, string>();
        var previous = ordering;
        var settled = DateTime.UtcNow.Ticks - InFlight.Ticks;
        while (await reader.ReadAsync(ct))
        {
            var at = reader.GetInt64(0);
            if (stopAtGapInFlight && at != previous + 1 && reader.GetInt64(1) > settled) break;
            previous = at;
            Decode(reader, entries);
        }
        await reader.CloseAsync();
        if (entries.Count == 0) return entries;
        // The writers' node tags, one query per batch (the tag table's key leads with ordering_id).
        await using (var tags = JournalDatabase.Command(db, null,
                         "SELECT ordering_id, tag FROM tags WHERE ordering_id > @after AND ordering_id <= @last AND tag LIKE @prefix",
                         ("@after", DbType.Int64, ordering), ("@last", DbType.Int64, entries[^1].Ordering),
                         ("@prefix", DbType.String, AppEventTagger.NodePrefix + "%")))
        await using (var tagged = await tags.ExecuteReaderAsync(ct))
            while (await tagged.ReadAsync(ct)) nodes[tagged.GetInt64(0)] = tagged.GetString(1)[AppEventTagger.NodePrefix.Length..];
        return nodes.Count == 0 ? entries : entries.Select(e => nodes.TryGetValue(e.Ordering, out var node) ? e with { Node = node } : e).ToList();
    }

    /// <summary>The events of each persistence id within its range of sequence numbers (one indexed query each, on one
    /// connection), in journal order: an app's history as its tag files it, without the plugin's replay round trips.</summary>
    public async Task<IReadOnlyList<JournalEvent>> RangesAsync(IEnumerable<JournalRange> ranges, CancellationToken ct)
    {
        var entries = new List<JournalEvent>();
        await using var db = await JournalDatabase.OpenAsync(settings, ct);
        try
        {
            foreach (var range in ranges)
            {
                await using var query = JournalDatabase.Command(db, null, $"""
                    SELECT {Columns} FROM journal WHERE persistence_id = @id AND sequence_number >= @from
                    AND sequence_number <= @to AND deleted = @deleted
                    """, ("@id", DbType.String, range.PersistenceId), ("@from", DbType.Int64, range.From),
                    ("@to", DbType.Int64, range.To), ("@deleted", DbType.Boolean, false));
                await using var reader = await query.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct)) Decode(reader, entries);
            }
        }
        catch (DbException e) when (entries.Count == 0 && NoTable(e)) { }
        entries.Sort((a, b) => a.Ordering.CompareTo(b.Ordering));
        return entries;
    }

    private const string Columns = "ordering, created, message, identifier, manifest, persistence_id, sequence_number, writer_uuid";

    /// <summary>One row of <see cref="Columns"/>, as the plugin stores it, through the journal's event adapters.</summary>
    private void Decode(DbDataReader reader, List<JournalEvent> into)
    {
        var (at, created) = (reader.GetInt64(0), reader.GetInt64(1));
        var manifest = reader.IsDBNull(4) ? "" : reader.GetString(4);
        var payload = system.Serialization.Deserialize((byte[])reader.GetValue(2), reader.GetInt32(3), manifest);
        var (id, sequenceNr) = (reader.GetString(5), reader.GetInt64(6));
        var writer = reader.IsDBNull(7) ? null : reader.GetString(7);
        into.AddRange(_adapters.Get(payload.GetType()).FromJournal(payload, manifest).Events
            .Select(e => new JournalEvent(id, sequenceNr, new DateTimeOffset(created, TimeSpan.Zero), e, at, Writer: writer)));
    }

    /// <summary>Every event committed so far, oldest first (none before the journal's first write made its table).</summary>
    public async Task<IReadOnlyList<JournalEvent>> AllAsync(CancellationToken ct)
    {
        var all = new List<JournalEvent>();
        try
        {
            for (var batch = await AfterAsync(0, Batch, ct, false); batch.Count > 0; batch = await AfterAsync(batch[^1].Ordering, Batch, ct, false))
                all.AddRange(batch);
        }
        catch (DbException e) when (all.Count == 0 && NoTable(e)) { }
        return all;
    }

    /// <summary>The persistence ids that start with one of <paramref name="prefixes"/> (one query each on the journal's
    /// key, no event decoded).</summary>
    public async Task<IReadOnlyList<string>> PersistenceIdsAsync(IEnumerable<string> prefixes, CancellationToken ct)
    {
        var ids = new List<string>();
        try
        {
            await using var db = await JournalDatabase.OpenAsync(settings, ct);
            foreach (var prefix in prefixes)
            {
                // LIKE, then an ordinal check: '-' and '_' compare differently under some PostgreSQL collations.
                await using var query = JournalDatabase.Command(db, null,
                    "SELECT DISTINCT persistence_id FROM journal WHERE persistence_id LIKE @prefix",
                    ("@prefix", DbType.String, prefix + "%"));
                await using var reader = await query.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                    if (reader.GetString(0) is var id && id.StartsWith(prefix, StringComparison.Ordinal)) ids.Add(id);
            }
        }
        catch (DbException e) when (ids.Count == 0 && NoTable(e)) { }
        return ids;
    }

    private static bool NoTable(DbException e) => JournalDatabase.MissingTable(e);
}
