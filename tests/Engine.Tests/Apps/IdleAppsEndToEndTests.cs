using Engine.Tests.Support;
using static Engine.Tests.Support.Deadlines;

namespace Engine.Tests.Apps;

/// <summary>Apps are sharded entities: one that never deployed stops when idle, so sharding forgets it, and starts again
/// when asked; one that deployed keeps running.</summary>
public sealed class IdleAppsEndToEndTests
{
    [Fact]
    public async Task An_app_that_never_deployed_stops_when_idle_and_answers_again_when_asked()
    {
        await using var node = await EngineNode.StartWithEnvironmentAsync(
            new Dictionary<string, string> { ["Engine__IdleAppPassivation"] = "00:00:01" });
        var deployed = node.NewApp("busy");
        var idle = node.NewApp("idle");
        using var dir = new AppDir();
        await node.DeployAsync(dir, deployed);
        await node.CliOk("env", "set", idle, "A=1");

        var stopped = $"{idle} is idle (never deployed): stopped until asked";
        await Eventually.Until(() => Task.FromResult(node.Output), o => o.Contains(stopped), Within, "the idle app to stop");
        var env = await node.Cli("env", idle, "--json");
        Assert.True(env.ExitCode == 0, env.ToString());
        Assert.Equal("1", env.Json.GetProperty("A").GetString());
        // Recovered for that request, it stops again: so it had stopped.
        await Eventually.Until(() => Task.FromResult(node.Output), o => o.Split(stopped).Length - 1 == 2, Within, "the idle app to stop again");
        Assert.DoesNotContain($"{deployed} is idle", node.Output);
        Assert.Equal((System.Net.HttpStatusCode.OK, $"version v1 of {deployed}"), await node.Get(deployed));
    }
}
