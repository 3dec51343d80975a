using Engine.Tests.Support;

namespace Engine.Tests.Apps;

/// <summary>`engine apps restart` on real Docker: every container of the routed release is replaced by a fresh one,
/// one at a time, and with two web containers the router serves throughout; the journal says who asked.</summary>
[Collection(DockerCollection.Name)]
public sealed class RestartEndToEndTests
{
    [Fact]
    public async Task A_restart_replaces_every_container_one_at_a_time_without_a_failed_request_and_is_journaled()
    {
        await using var node = await EngineNode.StartAsync("--stop-grace", "2");
        var app = node.NewApp("restart");
        Assert.Equal(1, (await node.Cli("apps", "restart", app)).ExitCode); // no such app yet
        using var dir = new AppDir("web: sh /app/web.sh\nclock: sleep 600\n");
        await node.DeployAsync(dir, app);
        await node.CliOk("scale", app, "web=2");
        var before = await DockerProbe.ContainerIdsOf(app);
        Assert.Equal(3, before.Count);

        RequestLoop loop;
        CliResult restart;
        await using (loop = new RequestLoop(node, app))
        {
            await Eventually.Until(() => Task.FromResult(loop.Served.Count), n => n > 0, TimeSpan.FromSeconds(30), "requests served");
            restart = await node.Cli("apps", "restart", app, "--json");
            var served = loop.Served.Count;
            await Eventually.Until(() => Task.FromResult(loop.Served.Count), n => n > served, TimeSpan.FromSeconds(30), "requests served after");
        }
        Assert.True(restart.ExitCode == 0, restart.ToString());
        Assert.Equal(["web-1", "web-2", "clock-1"], restart.Json.EnumerateArray().Select(c => c.GetProperty("name").GetString()));
        Assert.Empty(loop.Failed);

        var after = await DockerProbe.ContainerIdsOf(app);
        Assert.Equal(before.Keys.Order(), after.Keys.Order());
        Assert.All(after, c => Assert.NotEqual(before[c.Key], c.Value));
        Assert.All(await DockerProbe.ContainersOf(app), c => Assert.Equal("running", c.State));
        // The engine's supervision did not take the restart for crashes.
        Assert.All((await node.Cli("ps", app, "--json")).Json.EnumerateArray(), c => Assert.Equal(0, c.GetProperty("restarts").GetInt32()));

        var audit = await node.Cli("audit", app, "--type", "AppRestarted", "--json");
        Assert.True(audit.ExitCode == 0, audit.ToString());
        var restarted = Assert.Single(audit.Json.GetProperty("events").EnumerateArray());
        Assert.Equal(Environment.UserName, restarted.GetProperty("by").GetString());
    }
}
