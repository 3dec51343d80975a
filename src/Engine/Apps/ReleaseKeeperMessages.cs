using Engine.Protocol;


namespace Engine.Apps;

// Between an app and its release keeper (ReleaseKeeperActor), always on the same node.

/// <summary>The app's record as it is now, and the sequence number of its journal: to its children after each change.</summary>
public sealed record AppStateChanged(AppState State, long SequenceNr = 0);

/// <summary>To the release keeper: the images the app's record lets go may go now.</summary>
public sealed record PruneReleaseImages
{
    public static readonly PruneReleaseImages Instance = new();
}

/// <summary>From the release keeper: containers of a lost worker are to start elsewhere, the release keeping
/// <paramref name="Keep"/> (a scale that changes no formation).</summary>
public sealed record ReplaceLostContainers(IReadOnlyList<ContainerSpec> Keep, string Reason);

/// <summary>To the release keeper: the lost containers did not start elsewhere (something else was under way, or the
/// start failed): it tries again a little later.</summary>
public sealed record LostNotReplaced
{
    public static readonly LostNotReplaced Instance = new();
}
