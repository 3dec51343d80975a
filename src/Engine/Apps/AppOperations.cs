using Akka.Actor;
using Engine.Protocol;

namespace Engine.Apps;

/// <summary>A scale (or the start of a lost worker's containers elsewhere) under way in an app: who waits for it, the
/// formation change it commits (none when moving lost containers), and the release's containers that stay.</summary>
internal sealed record Scaling(IActorRef ReplyTo, FormationChanged? Change, IReadOnlyList<ContainerSpec> Keep, string Reason);

/// <summary>A restart under way in an app: who waits for it, who asked, and the slots whose exits are its own.</summary>
internal sealed record Restarting(IActorRef ReplyTo, string By, string DeploymentId)
{
    public HashSet<string> Slots { get; } = [];

    /// <summary>Whether this exit is the restart's own doing.</summary>
    public bool Owns(ContainerExited x) => x.DeploymentId == DeploymentId && Slots.Contains(x.Slot);

    public AppRestarted Journaled(string app, ContainersRestarted r, DateTimeOffset now) =>
        new(app, DeploymentId, r.Containers.Select(c => c.Slot).ToList(), By, now, r.Error);

    /// <summary>The containers restarted, or why it stopped.</summary>
    public static object Answer(ContainersRestarted r) => r.Error is null
        ? new RestartedContainers(r.Containers.Select(c => new RestartedContainer(c.Type, c.Slot, c.Worker)).ToList())
        : new AppError($"the restart stopped after {r.Containers.Count} container(s): {r.Error}");
}
