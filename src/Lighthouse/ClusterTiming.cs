namespace Lighthouse;

/// <summary>How fast the cluster gives up on a member, shared by the Lighthouse and every engine node: the
/// split-brain resolver's leader decides, so every node must carry the same settings.</summary>
internal static class ClusterTiming
{
    /// <summary>Failover within 30 s (Akka's defaults give about 45): the failure detector keeps its defaults (a
    /// killed node is unreachable after ~3-5 s), and the split-brain resolver decides 7 s after the membership settles
    /// instead of 20; the singleton then moves once the downed node is removed. keep-majority: losing any one node of
    /// Lighthouse + two control nodes + a worker leaves a majority running, and a node cut off alone (or frozen, then
    /// resumed) is in the minority and downs itself instead of writing the journal.</summary>
    public const string Hocon = """
        akka.cluster.downing-provider-class = "Akka.Cluster.SBR.SplitBrainResolverProvider, Akka.Cluster"
        akka.cluster.split-brain-resolver.active-strategy = keep-majority
        akka.cluster.split-brain-resolver.stable-after = 7s
        """;
}
