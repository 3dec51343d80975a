
namespace Engine.Protocol;

/// <summary>To the app before each container goes: exits of this slot from now on are the restart's own.</summary>
[Manifest("restarting-slot.v1")]
public sealed record RestartingSlot(string Slot) : IEngineMessage;

/// <summary>The restart's end: the containers restarted (all of them unless <paramref name="Error"/>).</summary>
[Manifest("containers-restarted.v1")]
public sealed record ContainersRestarted(IReadOnlyList<ContainerSpec> Containers, string? Error) : IEngineMessage;

/// <summary>The containers a scale (or the loss of a worker) adds to the routed release, up.</summary>
[Manifest("containers-added.v1")]
public sealed record ContainersAdded(IReadOnlyList<ContainerSpec> Containers) : IEngineMessage;

/// <summary>Nothing was added: whatever had started is removed again.</summary>
[Manifest("scale-failed.v1")]
public sealed record ScaleFailed(string Error) : IEngineMessage;
