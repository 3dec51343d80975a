using System.Threading.Channels;
using Akka.Actor;
using Akka.Cluster;
using Engine.Cluster;

namespace Engine.Palettes;

/// <summary>One line of `engine cluster tail`.</summary>
public sealed record ClusterEventLine(DateTimeOffset At, string Event, string? Address, IReadOnlyList<string>? Roles, string? Status);

/// <summary>Feeds one `cluster tail` request: the current members first (as member-up and the like), then every
/// membership, reachability and leader change, until the request stops it.</summary>
public sealed class ClusterTailActor : ReceiveActor
{
    public static Props Props(ChannelWriter<ClusterEventLine> lines) => Akka.Actor.Props.Create(() => new ClusterTailActor(lines));

    public ClusterTailActor(ChannelWriter<ClusterEventLine> lines)
    {
        Receive<ClusterEvent.IMemberEvent>(e => lines.TryWrite(Line(e switch
        {
            ClusterEvent.MemberJoined => "member-joined",
            ClusterEvent.MemberUp => "member-up",
            ClusterEvent.MemberWeaklyUp => "member-weakly-up",
            ClusterEvent.MemberLeft => "member-left",
            ClusterEvent.MemberExited => "member-exited",
            ClusterEvent.MemberDowned => "member-downed",
            ClusterEvent.MemberRemoved => "member-removed",
            _ => e.GetType().Name,
        }, e.Member)));
        Receive<ClusterEvent.UnreachableMember>(e => lines.TryWrite(Line("unreachable", e.Member)));
        Receive<ClusterEvent.ReachableMember>(e => lines.TryWrite(Line("reachable", e.Member)));
        Receive<ClusterEvent.LeaderChanged>(e =>
            lines.TryWrite(new ClusterEventLine(DateTimeOffset.UtcNow, "leader-changed", e.Leader?.ToString(), null, null)));
        Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent), typeof(ClusterEvent.LeaderChanged));
    }

    private static ClusterEventLine Line(string name, Member m) => new(DateTimeOffset.UtcNow, name, m.Address.ToString(),
        ClusterView.RolesOf(m),
        m.Status.ToString().ToLowerInvariant());

    protected override void PostStop() => Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);
}
