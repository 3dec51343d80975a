namespace Engine.Audit;

/// <summary>One event as the journal holds it, for the audit's readers and checks: where it sits (persistence id and
/// sequence number, <paramref name="Ordering"/> across the whole journal), when it was written, and the event itself
/// (event adapters applied). <paramref name="Node"/>: the node that wrote it (from its `node:` tag; none before it was kept).
/// <paramref name="Writer"/>: the writing actor incarnation's uuid, as the journal keeps it.</summary>
public sealed record JournalEvent(string PersistenceId, long SequenceNr, DateTimeOffset Timestamp, object Event, long Ordering = 0,
    string? Node = null, string? Writer = null);
