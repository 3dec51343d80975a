using Engine.Journal;
using Akka.Cluster.Hosting;
using Akka.Hosting;
using Engine.Cluster;
using Engine.Audit;

namespace Engine.Projections;

public static class DeploymentsProjectionHosting
{
    /// <summary>One projection in the whole cluster, on the oldest control node: two would only write the same rows
    /// twice. Nothing messages it (readers read the table), so no node needs a proxy.</summary>
    public static AkkaConfigurationBuilder WithDeploymentsProjection(this AkkaConfigurationBuilder akka, JournalSettings journal,
        ClusterSettings cluster) =>
        cluster.RoleList.Contains(ClusterSettings.Control)
            ? akka.WithSingleton<DeploymentsProjectionActor>("deployments-projection", DeploymentsProjectionActor.Props(journal),
                new ClusterSingletonOptions { Role = ClusterSettings.Control }, createProxyToo: false)
            : akka;
}
