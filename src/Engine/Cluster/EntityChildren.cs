using Akka.Actor;

namespace Engine.Cluster;

/// <summary>An actor's children, one per entity and named by it (as in DrawTogether.NET's child-per-entity parent):
/// made on first use and watched; passivated on request, what comes for one meanwhile waiting for its next
/// incarnation. <see cref="GenericChildPerEntityParent"/> hosts apps this way in one process; an app its deployments.</summary>
public sealed class EntityChildren(Func<string, Props> props)
{
    /// <summary>Children being passivated, with what came for them meanwhile.</summary>
    private readonly Dictionary<string, List<(object Message, IActorRef Sender)>> _passivating = [];

    public IActorRef Get(IActorContext context, string name) => context.Child(name) is { } child && !child.IsNobody()
        ? child
        : context.Watch(context.ActorOf(props(name), name));

    /// <summary>To the child, made when needed; held back while it is being passivated.</summary>
    public void Send(IActorContext context, string name, object message, IActorRef sender)
    {
        if (_passivating.TryGetValue(name, out var meanwhile)) meanwhile.Add((message, sender));
        else Get(context, name).Tell(message, sender);
    }

    /// <summary>The child that asked goes with <paramref name="stopMessage"/> (a message: whatever it was sent before is
    /// handled first).</summary>
    public void Passivate(IActorContext context, IActorRef child, object stopMessage)
    {
        var name = child.Path.Name;
        if (_passivating.ContainsKey(name) || !child.Equals(context.Child(name))) return;
        _passivating[name] = [];
        child.Tell(stopMessage);
    }

    /// <summary>A child stopped: true when it was passivated (what came meanwhile goes to its next incarnation), false
    /// when it stopped by itself.</summary>
    public bool Stopped(IActorContext context, string name)
    {
        if (!_passivating.Remove(name, out var meanwhile)) return false;
        foreach (var (message, sender) in meanwhile) Get(context, name).Tell(message, sender);
        return true;
    }
}
