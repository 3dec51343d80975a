using Akka.Actor;
using Engine.Protocol;

namespace Engine.Containers;

public static class ContainerLists
{
    /// <summary>Every worker's containers in one list, each with its worker; an error names the workers that did not answer.</summary>
    public static object OnAll(IReadOnlyList<(IActorRef Target, object? Reply)> replies) =>
        new ContainersListed(replies.Select(r => r.Reply).OfType<ContainersListed>()
                .SelectMany(l => l.Containers.Select(c => c with { Worker = c.Worker ?? l.Worker })).ToList(),
            Errors<ContainersListed>(replies, l => l.Error));

    /// <summary>Every worker's images in one list; an error names the workers that did not answer.</summary>
    public static object ImagesOnAll(IReadOnlyList<(IActorRef Target, object? Reply)> replies) =>
        new ImagesListed(replies.Select(r => r.Reply).OfType<ImagesListed>().SelectMany(l => l.Images).ToList(),
            Errors<ImagesListed>(replies, l => l.Error));

    /// <summary>Each worker whose listing failed or did not come, with why; null when none.</summary>
    private static string? Errors<T>(IReadOnlyList<(IActorRef Target, object? Reply)> replies, Func<T, string?> error) where T : class
    {
        var errors = replies.Where(r => r.Reply is not T listed || error(listed) is not null)
            .Select(r => $"worker {r.Target.Path.Address}: {(r.Reply is T listed ? error(listed) : null) ?? "no answer"}").ToList();
        return errors.Count > 0 ? string.Join("; ", errors) : null;
    }

    /// <summary>Every worker's removals as one; a worker that did not answer counts as an error.</summary>
    public static object RemovedOnAll(IReadOnlyList<(IActorRef Target, object? Reply)> replies)
    {
        var removed = replies.Select(r => r.Reply as ContainersRemoved
            ?? new ContainersRemoved(0, Error: $"worker {r.Target.Path.Address} left or did not answer before they were removed")).ToList();
        var errors = removed.Where(r => r.Error is not null).Select(r => r.Error!).ToList();
        return new ContainersRemoved(removed.Sum(r => r.Count), removed.SelectMany(r => r.Leftover ?? []).ToList(),
            errors.Count > 0 ? string.Join("; ", errors) : null);
    }
}
