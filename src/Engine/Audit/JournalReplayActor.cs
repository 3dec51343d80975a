using Akka.Actor;
using Akka.Persistence;
using Engine.Apps;

namespace Engine.Audit;

/// <summary>Reads one persistence id's events from the journal the way recovery does (the journal's replay protocol,
/// event adapters applied), for the audit. The read journal's queries are avoided on purpose: on SQLite the plugin's
/// tag lookup for each returned row scans the whole tag table (over a second per app at 100k events).</summary>
public sealed class JournalReplayActor : ReceiveActor
{
    private readonly List<IPersistentRepresentation> _events = [];

    public static Task<IReadOnlyList<IPersistentRepresentation>> ReplayAsync(ActorSystem system, JournalRange range, TimeSpan timeout)
    {
        var done = new TaskCompletionSource<IReadOnlyList<IPersistentRepresentation>>(TaskCreationOptions.RunContinuationsAsynchronously);
        system.ActorOf(Props.Create(() => new JournalReplayActor(range, done, timeout)));
        return done.Task;
    }

    public JournalReplayActor(JournalRange range, TaskCompletionSource<IReadOnlyList<IPersistentRepresentation>> done, TimeSpan timeout)
    {
        Persistence.Instance.Apply(Context.System).JournalFor(null)
            .Tell(new ReplayMessages(range.From, range.To, long.MaxValue, range.PersistenceId, Self));
        Context.SetReceiveTimeout(timeout);
        Receive<ReplayedMessage>(m => _events.Add(m.Persistent));
        Receive<RecoverySuccess>(_ => Finish(() => done.TrySetResult(_events)));
        Receive<ReplayMessagesFailure>(f => Finish(() => done.TrySetException(f.Cause)));
        Receive<ReceiveTimeout>(_ => Finish(() =>
            done.TrySetException(new TimeoutException($"the journal did not replay {range.PersistenceId} within {timeout.TotalSeconds:0} s"))));
    }

    private void Finish(Action complete)
    {
        complete();
        Context.Stop(Self);
    }
}
