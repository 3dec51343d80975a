using Akka.Actor;
using Akka.Cluster;

namespace Engine.Cluster;

public sealed record MemberView(string Address, IReadOnlyList<string> Roles, string Status, bool Reachable, bool Leader, bool Self);

/// <summary>What `engine cluster show` prints: every member as this node sees it, the leader, and the node that owns
/// the apps (the registry singleton lives on the oldest `control` member that is up).</summary>
public sealed record ClusterView(string Self, string? Leader, string? AppsOwner, IReadOnlyList<MemberView> Members)
{
    public static ClusterView Of(ActorSystem system)
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        var state = cluster.State;
        var owner = state.Members.Where(m => m.Status == MemberStatus.Up && m.HasRole(ClusterSettings.Control))
            .OrderBy(m => m, Member.AgeOrdering).FirstOrDefault();
        return new ClusterView(cluster.SelfAddress.ToString(), state.Leader?.ToString(), owner?.Address.ToString(),
            state.Members.OrderBy(m => m.Address.ToString(), StringComparer.Ordinal).Select(m => new MemberView(
                m.Address.ToString(), [.. m.Roles.Order()], m.Status.ToString().ToLowerInvariant(),
                !state.Unreachable.Contains(m), m.Address == state.Leader, m.Address == cluster.SelfAddress)).ToList());
    }
}
