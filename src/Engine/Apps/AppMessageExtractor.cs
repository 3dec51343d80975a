using Akka.Cluster.Sharding;
using Engine.Protocol;

namespace Engine.Apps;

/// <summary>Apps are sharded entities on control nodes: the entity is the app's name, its shard a hash of it.</summary>
public sealed class AppMessageExtractor() : HashCodeMessageExtractor(Shards)
{
    public const string RegionName = "app";
    /// <summary>Ten per control node of a large cluster: enough to spread apps, few enough to reallocate fast.</summary>
    private const int Shards = 100;

    private static readonly AppMessageExtractor Instance = new();

    public override string? EntityId(object message) => (message as IAppMessage)?.App;

    /// <summary>The shard an app lives in.</summary>
    public static string ShardOf(string app) => Instance.ShardId(app);
}
