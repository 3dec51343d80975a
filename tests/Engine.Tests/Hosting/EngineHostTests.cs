using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using Engine.Apps;
using Engine.Containers;
using Engine.Hosting;
using Engine.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Engine.Protocol;

namespace Engine.Tests.Hosting;

public sealed class EngineHostTests
{
    private static WebApplication Host(string dataDir)
    {
        var ports = FreePorts.Take(2);
        return EngineHost.Build(new Dictionary<string, string?>
        {
            ["Engine:DataDir"] = dataDir,
            ["Engine:AdminUrl"] = $"http://127.0.0.1:{ports[0]}",
            ["Engine:RouterUrl"] = $"http://127.0.0.1:{ports[1]}",
            // An entity that goes, goes at once: not because it idled.
            ["Engine:IdleAppPassivation"] = "01:00:00",
        });
    }

    /// <summary>Straight to the app's entity, through the node's shard region.</summary>
    private static async Task<object> AskApp(WebApplication web, object message)
    {
        var region = await web.Services.GetRequiredService<IRequiredActor<AppActor>>().GetAsync();
        return await region.Ask<object>(message, TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task The_node_journals_to_SQLite_with_a_single_writer_and_recovers_from_it()
    {
        var dataDir = Directory.CreateTempSubdirectory("engine-host-").FullName;
        try
        {
            var web = Host(dataDir);
            await web.StartAsync();
            try
            {
                var config = web.Services.GetRequiredService<ActorSystem>().Settings.Config;
                Assert.Equal(1, config.GetInt("akka.persistence.journal.sql.parallelism"));
                Assert.IsType<EnvView>(await AskApp(web, new ChangeEnv("hosted", new Dictionary<string, string> { ["A"] = "1" }, [])));
            }
            finally { await web.StopAsync(); }

            // The events are rows of the SQLite file in the data dir...
            await using (var db = new SqliteConnection($"Data Source={Path.Combine(dataDir, "engine.db")};Mode=ReadOnly;Pooling=False"))
            {
                await db.OpenAsync();
                var count = db.CreateCommand();
                // The app registered itself in its own stream, then took the change; no registry wrote anything.
                count.CommandText = "SELECT persistence_id, COUNT(*) FROM journal WHERE persistence_id IN ('apps', 'app-hosted') GROUP BY persistence_id";
                await using var rows = await count.ExecuteReaderAsync();
                Assert.True(await rows.ReadAsync());
                Assert.Equal(("app-hosted", 2L), (rows.GetString(0), rows.GetInt64(1)));
                Assert.False(await rows.ReadAsync());
            }

            // ...and a new node on the same data dir reads them back.
            var again = Host(dataDir);
            await again.StartAsync();
            try
            {
                var env = Assert.IsType<EnvView>(await AskApp(again, new GetEnv("hosted")));
                Assert.Equal("1", env.Env["A"]);

                // No registry on the way: the node has none.
                var system = again.Services.GetRequiredService<ActorSystem>();
                Assert.Null((await system.ActorSelection("/user/apps").Ask<ActorIdentity>(new Identify(1), TimeSpan.FromSeconds(15))).Subject);
                // An app that does not exist is answered by its entity, which sharding then forgets.
                var ghost = Assert.IsType<AppError>(await AskApp(again, new GetEnv("ghost")));
                Assert.Equal(new AppError("app 'ghost' not found", NotFound: true), ghost);
                var region = await again.Services.GetRequiredService<IRequiredActor<AppActor>>().GetAsync();
                await Eventually.Until(async () => (await region.Ask<CurrentShardRegionState>(GetShardRegionState.Instance,
                        TimeSpan.FromSeconds(15))).Shards.SelectMany(s => s.EntityIds).ToList(),
                    ids => ids.Contains("hosted") && !ids.Contains("ghost"), Deadlines.Within, "the region to hold 'hosted' and not 'ghost'");
            }
            finally { await again.StopAsync(); }
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(dataDir, recursive: true);
        }
    }

    [Fact]
    public async Task A_second_node_on_the_same_data_dir_is_refused_and_the_dir_is_free_again_once_the_first_stops()
    {
        var dataDir = Directory.CreateTempSubdirectory("engine-host-").FullName;
        try
        {
            var first = Host(dataDir);
            await first.StartAsync();
            try
            {
                // Sharding's durable distributed data (LMDB) among its files: one owner only.
                var config = first.Services.GetRequiredService<ActorSystem>().Settings.Config;
                Assert.Equal(Path.Combine(dataDir, "sharding-ddata"), config.GetString("akka.cluster.sharding.distributed-data.durable.lmdb.dir"));
                var e = Assert.Throws<ArgumentException>(() => Host(dataDir));
                Assert.Contains("in use by another engine node", e.Message);
            }
            finally { await first.StopAsync(); }
            var again = Host(dataDir);
            await again.StartAsync();
            await again.StopAsync();
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(dataDir, recursive: true);
        }
    }

    [Fact]
    public void Bad_settings_are_refused_with_a_message()
    {
        var e = Assert.Throws<ArgumentException>(() => EngineHost.Build(new Dictionary<string, string?>
        {
            ["Engine:DataDir"] = Path.GetTempPath(),
            ["Engine:AdminUrl"] = "http://127.0.0.1:4100",
            ["Engine:RouterUrl"] = "http://127.0.0.1:4100",
        }));
        Assert.Contains("different ports", e.Message);
    }
}
