using Akka.Actor;
using Akka.Cluster;
using Akka.Event;

namespace Lighthouse;

/// <summary>Logs every membership and reachability change this node sees: the seed node's whole job is to be there
/// and to say who came and went.</summary>
public sealed class MembershipLogger : ReceiveActor
{
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Cluster _cluster = Cluster.Get(Context.System);

    public MembershipLogger()
    {
        Receive<ClusterEvent.CurrentClusterState>(_ => { });
        Receive<ClusterEvent.MemberUp>(m => _log.Info("member up: {0} (roles: {1})", m.Member.Address, Roles(m.Member)));
        Receive<ClusterEvent.MemberJoined>(m => _log.Info("member joining: {0} (roles: {1})", m.Member.Address, Roles(m.Member)));
        Receive<ClusterEvent.MemberLeft>(m => _log.Info("member leaving: {0}", m.Member.Address));
        Receive<ClusterEvent.MemberExited>(m => _log.Info("member exiting: {0}", m.Member.Address));
        Receive<ClusterEvent.MemberRemoved>(m => _log.Info("member removed: {0} (was {1})", m.Member.Address, m.PreviousStatus));
        Receive<ClusterEvent.UnreachableMember>(m => _log.Warning("member unreachable: {0}", m.Member.Address));
        Receive<ClusterEvent.ReachableMember>(m => _log.Info("member reachable again: {0}", m.Member.Address));
        Receive<ClusterEvent.LeaderChanged>(m => _log.Info("leader: {0}", m.Leader?.ToString() ?? "none"));
        Receive<ClusterEvent.IClusterDomainEvent>(_ => { });
    }

    private static string Roles(Member member) => string.Join(",", member.Roles.Order());

    protected override void PreStart() => _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
        typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent), typeof(ClusterEvent.LeaderChanged));

    protected override void PostStop() => _cluster.Unsubscribe(Self);
}
