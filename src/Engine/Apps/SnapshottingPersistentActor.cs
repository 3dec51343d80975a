using Engine.Journal;
using Akka.Event;
using Akka.Persistence;

namespace Engine.Apps;

/// <summary>A persistent actor that saves a snapshot of its state every few events, then deletes its older snapshots: a
/// recovery reads the latest one and only the events after it. Events are never deleted: the audit and the journal's
/// verifier read them all.</summary>
public abstract class SnapshottingPersistentActor : AnsweringPersistentActor
{
    private readonly int _every;

    protected SnapshottingPersistentActor(int every)
    {
        _every = every;
        Command<SaveSnapshotSuccess>(s => DeleteSnapshots(new SnapshotSelectionCriteria(s.Metadata.SequenceNr - 1)));
        // A snapshot that was not saved (or not deleted) costs only a longer recovery: the events are all there.
        Command<SaveSnapshotFailure>(f => Context.GetLogger().Warning("{0}: snapshot at event {1} not saved: {2}",
            PersistenceId, f.Metadata.SequenceNr, f.Cause.Message));
        Command<DeleteSnapshotsSuccess>(_ => { });
        Command<DeleteSnapshotsFailure>(f => Context.GetLogger().Warning("{0}: older snapshots not deleted: {1}",
            PersistenceId, f.Cause.Message));
    }

    /// <summary>After an event is journaled: saves the snapshot when the event's number is a multiple of the interval.</summary>
    protected void SnapshotIfDue(Func<object> snapshot)
    {
        if (LastSequenceNr % _every == 0) SaveSnapshot(snapshot());
    }
}
