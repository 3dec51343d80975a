using Akka.Actor;
using Engine.Containers;
using Engine.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Engine.Tests.Hosting;

public sealed class EngineHostTests
{
    [Fact]
    public async Task The_node_journals_to_SQLite_with_a_single_writer()
    {
        var dataDir = Directory.CreateTempSubdirectory("engine-host-").FullName;
        var ports = FreePorts.Take(2);
        var web = EngineHost.Build(new Dictionary<string, string?>
        {
            ["Engine:DataDir"] = dataDir,
            ["Engine:AdminUrl"] = $"http://127.0.0.1:{ports[0]}",
            ["Engine:RouterUrl"] = $"http://127.0.0.1:{ports[1]}",
        });
        await web.StartAsync();
        try
        {
            var config = web.Services.GetRequiredService<ActorSystem>().Settings.Config;
            Assert.Equal(1, config.GetInt("akka.persistence.journal.sql.parallelism"));
            Assert.Equal("SQLite.MS", config.GetString("akka.persistence.journal.sql.provider-name"));
        }
        finally
        {
            await web.StopAsync();
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
