using Akka.Actor;

namespace Engine.Containers;

public static class ContainerLists
{
    /// <summary>Every worker's containers in one list, each with its worker; an error names the workers that did not answer.</summary>
    public static object OnAll(IReadOnlyList<(IActorRef Target, object? Reply)> replies)
    {
        var errors = replies.Where(r => r.Reply is not ContainersListed { Error: null })
            .Select(r => $"worker {r.Target.Path.Address}: {(r.Reply as ContainersListed)?.Error ?? "no answer"}").ToList();
        return new ContainersListed(replies.Select(r => r.Reply).OfType<ContainersListed>()
            .SelectMany(l => l.Containers.Select(c => c with { Worker = c.Worker ?? l.Worker })).ToList(),
            errors.Count > 0 ? string.Join("; ", errors) : null);
    }
}
