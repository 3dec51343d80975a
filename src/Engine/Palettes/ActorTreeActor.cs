using Akka.Actor;
using Engine.Protocol;

namespace Engine.Palettes;

/// <summary>At /user/actor-tree on every node: answers for its own tree when another node's admin API asks.</summary>
public sealed class ActorTreeActor : ReceiveActor
{
    public const string Name = "actor-tree";

    public ActorTreeActor() => Receive<GetActorTree>(g => Sender.Tell(ActorTree.Walk(Context.System, g.Path, g.Depth)
        ?? (object)new AppError($"no actor at {g.Path}", NotFound: true)));
}
