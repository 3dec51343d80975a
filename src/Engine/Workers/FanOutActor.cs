using Akka.Actor;

namespace Engine.Workers;

/// <summary>Sends one message to the same kind of child on several workers and gathers one reply from each into one
/// answer. A target whose node is lost, or that does not answer in time, counts as a null reply.</summary>
public sealed class FanOutActor : ReceiveActor
{
    private readonly Dictionary<IActorRef, object?> _replies = [];
    private readonly HashSet<IActorRef> _waiting;

    public static Props Props(IReadOnlyList<IActorRef> targets, object message,
        Func<IReadOnlyList<(IActorRef Target, object? Reply)>, object> combine, IActorRef replyTo, TimeSpan timeout) =>
        Akka.Actor.Props.Create(() => new FanOutActor(targets, message, combine, replyTo, timeout));

    public FanOutActor(IReadOnlyList<IActorRef> targets, object message,
        Func<IReadOnlyList<(IActorRef Target, object? Reply)>, object> combine, IActorRef replyTo, TimeSpan timeout)
    {
        _waiting = targets.ToHashSet();
        void Done()
        {
            if (_waiting.Count > 0) return;
            replyTo.Tell(combine(targets.Select(t => (t, _replies.GetValueOrDefault(t))).ToList()));
            Context.Stop(Self);
        }
        Receive<Terminated>(t =>
        {
            _waiting.Remove(t.ActorRef);
            Done();
        });
        Receive<ReceiveTimeout>(_ =>
        {
            _waiting.Clear();
            Done();
        });
        ReceiveAny(reply =>
        {
            if (!_waiting.Remove(Sender)) return;
            _replies[Sender] = reply;
            Done();
        });
        foreach (var target in targets)
        {
            Context.Watch(target);
            target.Tell(message);
        }
        Context.SetReceiveTimeout(timeout);
        Done();
    }
}
