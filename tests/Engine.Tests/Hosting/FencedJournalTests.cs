using Engine.Apps;
using Engine.Deployments;
using Engine.Hosting;
using Engine.Runs;

namespace Engine.Tests.Hosting;

/// <summary>One writer per history: every history an app's actors write needs the lease of the app's shard, so a node
/// that lost the shard (a split brain, a restarted seed) writes none of them.</summary>
public sealed class FencedJournalTests
{
    [Fact]
    public void An_apps_histories_all_need_its_shards_lease()
    {
        var shard = $"engine-shard-{AppMessageExtractor.RegionName}-{AppMessageExtractor.ShardOf("hello")}";
        Assert.Equal(shard, FencedJournal.RequiredLease("engine", AppActor.PersistencePrefix + "hello"));
        Assert.Equal(shard, FencedJournal.RequiredLease("engine", DeploymentActor.NameFor("hello-v3")));
        Assert.Equal(shard, FencedJournal.RequiredLease("engine", RunsActor.NameFor("hello")));
        Assert.Null(FencedJournal.RequiredLease("engine", "operator-worker-1"));
    }
}
