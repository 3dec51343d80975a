using Akka.Actor;
using Akka.Cluster.Sharding;

namespace Engine.Cluster;

/// <summary>A shard region's stand-in within one process (as in DrawTogether.NET): one child per entity, named by its id
/// and made on its first message (or a <see cref="ShardRegion.StartEntity"/>). A child that asks to be passivated gets
/// its stop message; what comes for it meanwhile waits for its next incarnation (<see cref="EntityChildren"/>). One that
/// stops by itself is made again after <paramref name="restartBackoff"/>, as sharding does with remembered entities.</summary>
public sealed class GenericChildPerEntityParent : ReceiveActor, IWithTimers
{
    private readonly EntityChildren _children;

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(IMessageExtractor extractor, Func<string, Props> props, TimeSpan? restartBackoff = null) =>
        Akka.Actor.Props.Create(() => new GenericChildPerEntityParent(extractor, props, restartBackoff ?? TimeSpan.FromSeconds(1)));

    public GenericChildPerEntityParent(IMessageExtractor extractor, Func<string, Props> props, TimeSpan restartBackoff)
    {
        _children = new EntityChildren(props);
        Receive<ShardRegion.StartEntity>(s => _children.Get(Context, s.EntityId));
        Receive<Passivate>(p => _children.Passivate(Context, Sender, p.StopMessage));
        Receive<Terminated>(t =>
        {
            var id = t.ActorRef.Path.Name;
            if (!_children.Stopped(Context, id)) Timers.StartSingleTimer(id, new Restart(id), restartBackoff);
        });
        Receive<Restart>(r => _children.Get(Context, r.Id));
        ReceiveAny(m =>
        {
            if (extractor.EntityId(m) is { } id) _children.Send(Context, id, extractor.EntityMessage(m) ?? m, Sender);
            else Unhandled(m);
        });
    }

    private sealed record Restart(string Id);
}
