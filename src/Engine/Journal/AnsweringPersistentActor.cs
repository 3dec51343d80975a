using Akka.Actor;
using Akka.Persistence;
using Engine.Protocol;

namespace Engine.Journal;

/// <summary>A persistent actor whose caller hears at once when the journal cannot take the event it waits for (Akka then
/// stops the actor), rather than wait for an answer that never comes.</summary>
public abstract class AnsweringPersistentActor : ReceivePersistentActor
{
    /// <summary>Who waits for the event being persisted.</summary>
    private IActorRef _awaitingJournal = ActorRefs.Nobody;

    /// <summary>Persists the event for <paramref name="waiting"/>, who is told if the journal fails.</summary>
    protected void PersistFor<TEvent>(IActorRef waiting, TEvent e, Action<TEvent> then)
    {
        _awaitingJournal = waiting;
        Persist(e, x => { _awaitingJournal = ActorRefs.Nobody; then(x); });
    }

    /// <summary>As <see cref="PersistFor{TEvent}"/>, several events in one write.</summary>
    protected void PersistAllFor<TEvent>(IActorRef waiting, IReadOnlyList<TEvent> events, Action<TEvent> then)
    {
        _awaitingJournal = waiting;
        PersistAll(events, x => { _awaitingJournal = ActorRefs.Nobody; then(x); });
    }

    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        _awaitingJournal.Tell(AppError.JournalUnwritable(cause));
        _awaitingJournal = ActorRefs.Nobody;
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr)
    {
        _awaitingJournal.Tell(AppError.JournalUnwritable(cause));
        _awaitingJournal = ActorRefs.Nobody;
        base.OnPersistRejected(cause, @event, sequenceNr);
    }
}
