using Engine.Cluster;

namespace Engine.Palettes;

/// <summary>Whether `engine cluster leave|down ADDRESS` may take a member away. Removed, the last member stops the engine
/// (its router stops, the apps' containers run on unwatched), and the last control node every app with it (nothing can
/// be deployed, scaled or recovered): both are refused until another node is up.</summary>
public static class MemberRemoval
{
    /// <returns>Null when it may go, else why not.</returns>
    public static string? Refuse(string command, string target, IReadOnlyList<MemberView> members)
    {
        var others = members.Where(m => m.Address != target && m.Status is "up" or "weaklyup").ToList();
        var removed = members.FirstOrDefault(m => m.Address == target);
        if (others.Count == 0)
            return $"{target} is the last member of the cluster: 'cluster {command}' would stop the engine (its router, and the "
                + "watch over the apps' containers); start another node first";
        if (removed?.Roles.Contains(ClusterSettings.Control) == true && !others.Any(m => m.Roles.Contains(ClusterSettings.Control)))
            return $"{target} is the last control node: 'cluster {command}' would leave no node to run the apps (nothing could be "
                + "deployed, scaled or recovered); start another control node first";
        return null;
    }
}
