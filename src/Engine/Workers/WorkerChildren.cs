using Akka.Actor;

namespace Engine.Workers;

/// <summary>An actor's children doing one kind of Docker work on each worker: made on first use (deployed there by Akka
/// remoting, or wherever <paramref name="workers"/> put them), watched, and made anew under a new name once the one before
/// stopped.</summary>
public sealed class WorkerChildren(IWorkers workers)
{
    private readonly Dictionary<string, string> _names = [];
    private int _generation;

    public IActorRef Get(IActorContext context, string role, Address? worker, Func<Props> props)
    {
        var key = $"{role}@{worker}";
        if (_names.TryGetValue(key, out var name) && context.Child(name) is { } child && !child.IsNobody()) return child;
        name = $"{role}-{++_generation}";
        _names[key] = name;
        return context.Watch(context.ActorOf(workers.On(worker, props()), name));
    }
}
