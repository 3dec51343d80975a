namespace Engine.Containers;

/// <summary>Start (or, with <paramref name="ReuseRunning"/>, restore) containers and wait until every web one listens
/// and, when there are non-web ones, every container ran <paramref name="StabilityWindow"/> without exiting.
/// Replies ContainersUp or ContainersFailed.</summary>
public sealed record StartContainers(IReadOnlyList<ContainerSpec> Specs, TimeSpan Timeout, bool ReuseRunning = false,
    TimeSpan StabilityWindow = default);

/// <summary>Stop and remove the app's containers: those of <paramref name="OnlyDeployment"/> when set, else every one
/// whose deployment is not in <paramref name="Keep"/>. Replies ContainersRemoved.</summary>
public sealed record RemoveContainers(string App, string? OnlyDeployment, IReadOnlySet<string> Keep, TimeSpan Grace)
{
    public static RemoveContainers Of(string app, string deploymentId, TimeSpan grace) =>
        new(app, deploymentId, new HashSet<string>(), grace);

    public static RemoveContainers AllBut(string app, IEnumerable<string> keep, TimeSpan grace) =>
        new(app, null, keep.ToHashSet(), grace);

    public bool Matches(ContainerSummary c) =>
        OnlyDeployment is { } only ? c.DeploymentId == only : !Keep.Contains(c.DeploymentId);
}

/// <summary>Remove the app's images built by the given deployments. Replies ImagesPruned.</summary>
public sealed record PruneImages(string App, IReadOnlySet<string> Deployments);

public sealed record ImagesPruned(string App, IReadOnlyList<string> Removed, IReadOnlyList<string> Failed);
