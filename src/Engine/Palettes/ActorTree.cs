using Akka.Actor;
using Engine.Protocol;

namespace Engine.Palettes;

/// <summary>A node's live actor tree, read from the actor cells themselves (no Identify round trips, so no waiting on
/// silence to know that every child answered).</summary>
public static class ActorTree
{
    public const int MaxDepth = 10;

    /// <returns>Null when nothing lives at <paramref name="path"/>.</returns>
    public static ActorTreeView? Walk(ActorSystem system, string path, int depth)
    {
        var provider = ((ExtendedActorSystem)system).Provider;
        IActorRef start = provider.RootGuardian;
        foreach (var name in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            // No actor name holds '#': Akka's child lookup reads what follows it as a uid and throws on a non-number.
            if (name.Contains('#') || start is not ActorRefWithCell cell || cell.GetSingleChild(name) is not { } child || child.IsNobody()) return null;
            start = child;
        }
        var found = new List<ActorNode>();
        void Visit(IActorRef actor, int level)
        {
            found.Add(new ActorNode(actor.Path.ToStringWithoutAddress(), level == 0 ? actor.Path.ToStringWithoutAddress() : actor.Path.Name, level));
            if (level >= depth || actor is not ActorRefWithCell withCell) return;
            foreach (var child in withCell.Children.OrderBy(c => c.Path.Name, StringComparer.Ordinal)) Visit(child, level + 1);
        }
        Visit(start, 0);
        return new ActorTreeView(provider.DefaultAddress.ToString(), found);
    }
}
