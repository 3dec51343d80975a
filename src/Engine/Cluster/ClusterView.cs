using Akka.Actor;
using Akka.Cluster;
using Engine.Protocol;

namespace Engine.Cluster;

/// <param name="Worker">A worker node's name (what `engine ps` shows).</param>
public sealed record MemberView(string Address, IReadOnlyList<string> Roles, string Status, bool Reachable, bool Leader, bool Self,
    string? Worker);

/// <summary>An app and the control node whose shard runs its actor; none for an idle app, which runs nowhere until asked.</summary>
public sealed record AppOwner(string App, string? Owner);

/// <summary>What `engine cluster show` prints: every member as this node sees it, the leader, and which node owns each
/// app (null, with the reason, when the apps cannot be listed right now, e.g. while a dead owner's apps move).</summary>
public sealed record ClusterView(string Self, string? Leader, IReadOnlyList<MemberView> Members, IReadOnlyList<AppOwner>? Apps,
    string? AppsError)
{
    /// <summary>Apps live on control nodes: with none up, nothing can be deployed or answered.</summary>
    public static bool ControlUp(ActorSystem system) =>
        Akka.Cluster.Cluster.Get(system).State.Members.Any(m => m.Status == MemberStatus.Up && m.HasRole(ClusterSettings.Control));

    /// <summary>A member's roles as operators know them (the worker-name role is shown as the worker's name).</summary>
    public static IReadOnlyList<string> RolesOf(Member m) =>
        [.. m.Roles.Where(r => !r.StartsWith(WorkerMembers.NameRolePrefix, StringComparison.Ordinal)).Order()];

    /// <param name="apps">The registry's answer to <see cref="ListApps"/>, or null when it was not asked.</param>
    public static ClusterView Of(ActorSystem system, object? apps)
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        var state = cluster.State;
        var (owners, error) = apps switch
        {
            AppList { Apps: var views } => (views.OrderBy(v => v.Name, StringComparer.Ordinal).Select(v => new AppOwner(v.Name, v.Node)).ToList(), null),
            null => (null, "no control node is up"),
            AppError e => (null, e.Error),
            Status.Failure f => (null, f.Cause is AskTimeoutException ? "the apps did not answer in time" : f.Cause.Message),
            _ => ((List<AppOwner>?)null, $"unexpected answer {apps.GetType().Name}"),
        };
        return new ClusterView(cluster.SelfAddress.ToString(), state.Leader?.ToString(),
            state.Members.OrderBy(m => m.Address.ToString(), StringComparer.Ordinal).Select(m => new MemberView(
                m.Address.ToString(), RolesOf(m),
                m.Status.ToString().ToLowerInvariant(), !state.Unreachable.Contains(m), m.Address == state.Leader,
                m.Address == cluster.SelfAddress, m.HasRole(ClusterSettings.Worker) ? WorkerMembers.NameOf(m) : null)).ToList(),
            owners, error);
    }
}
