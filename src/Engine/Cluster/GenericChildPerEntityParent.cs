using Akka.Actor;
using Akka.Cluster.Sharding;

namespace Engine.Cluster;

/// <summary>A shard region's stand-in within one process (as in DrawTogether.NET): one child per entity, named by its id
/// and made on its first message (or a <see cref="ShardRegion.StartEntity"/>). A child that asks to be passivated gets
/// its stop message; what comes for it meanwhile waits for its next incarnation. One that stops by itself is made
/// again after <paramref name="restartBackoff"/>, as sharding does with remembered entities.</summary>
public sealed class GenericChildPerEntityParent : ReceiveActor, IWithTimers
{
    private readonly Func<string, Props> _props;
    /// <summary>Children being passivated, with what came for them meanwhile.</summary>
    private readonly Dictionary<string, List<(object Message, IActorRef Sender)>> _passivating = [];

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IMessageExtractor extractor, Func<string, Props> props, TimeSpan? restartBackoff = null) =>
        Akka.Actor.Props.Create(() => new GenericChildPerEntityParent(extractor, props, restartBackoff ?? TimeSpan.FromSeconds(1)));

    public GenericChildPerEntityParent(IMessageExtractor extractor, Func<string, Props> props, TimeSpan restartBackoff)
    {
        _props = props;
        Receive<ShardRegion.StartEntity>(s => Child(s.EntityId));
        Receive<Passivate>(p =>
        {
            var id = Sender.Path.Name;
            if (_passivating.ContainsKey(id) || !Sender.Equals(Context.Child(id))) return;
            _passivating[id] = [];
            Sender.Tell(p.StopMessage);
        });
        Receive<Terminated>(t =>
        {
            var id = t.ActorRef.Path.Name;
            if (!_passivating.Remove(id, out var meanwhile)) Timers.StartSingleTimer(id, new Restart(id), restartBackoff);
            else if (meanwhile.Count > 0)
                foreach (var (message, sender) in meanwhile) Child(id).Tell(message, sender);
        });
        Receive<Restart>(r => Child(r.Id));
        ReceiveAny(m =>
        {
            if (extractor.EntityId(m) is not { } id)
            {
                Unhandled(m);
                return;
            }
            var message = extractor.EntityMessage(m) ?? m;
            if (_passivating.TryGetValue(id, out var meanwhile)) meanwhile.Add((message, Sender));
            else Child(id).Forward(message);
        });
    }

    private sealed record Restart(string Id);

    private IActorRef Child(string id) => Context.Child(id) is { } child && !child.IsNobody()
        ? child
        : Context.Watch(Context.ActorOf(_props(id), id));
}
