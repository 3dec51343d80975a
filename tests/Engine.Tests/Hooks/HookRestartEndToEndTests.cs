using System.Net;
using Engine.Protocol;
using Engine.Tests.Support;
using static Engine.Tests.Support.Deadlines;

namespace Engine.Tests.Hooks;

/// <summary>kill -9 during the hook: after the restart the deployment re-attaches to the hook's container.</summary>
[Collection(DockerCollection.Name)]
public sealed class HookRestartEndToEndTests
{
    [Fact]
    public async Task A_hook_that_finished_while_the_node_was_down_decides_the_deployment()
    {
        await using var node = await EngineNode.StartAsync("--start-timeout", "20", "--stop-grace", "2");
        var passing = node.NewApp("hookok");
        var failing = node.NewApp("hookbad");
        using var v1 = AppDir.WithHook("true");
        await node.DeployAsync(v1, passing);
        await node.DeployAsync(v1, failing);

        using var ok = AppDir.WithHook("sleep 6; echo migrated");
        using var bad = AppDir.WithHook("sleep 6; exit 3");
        var deploys = new[] { node.Cli("deploy", ok.Path, "--app", passing), node.Cli("deploy", bad.Path, "--app", failing) };
        await node.WaitForStatus($"{passing}-v2", "running-hook");
        await node.WaitForStatus($"{failing}-v2", "running-hook");
        foreach (var app in new[] { passing, failing })
            await Eventually.Until(() => DockerProbe.ContainersOf(app), c => c.Any(x => x.Type == "postdeploy" && x.State == "running"),
                Within, $"{app}'s hook container to run");
        await node.KillAsync();
        await Task.WhenAll(deploys);

        // Both hooks run to their end while the node is down.
        foreach (var app in new[] { passing, failing })
            await Eventually.Until(() => DockerProbe.ContainersOf(app), c => c.Any(x => x.Type == "postdeploy" && x.State == "exited"),
                Within, $"{app}'s hook container to exit");
        await node.RestartAsync();

        Assert.Equal("success", await node.WaitForStatus($"{passing}-v2", DeploymentStatus.IsTerminal, "an end"));
        Assert.Equal((HttpStatusCode.OK, $"version v2 of {passing}"), await node.Get(passing));
        await Eventually.Until(() => DockerProbe.ContainersOf(passing), c => c.All(x => x.Version == "v2" && x.Type == "web"),
            Within, "only v2's web container to remain");
        Assert.Contains("re-attached", (await node.Cli("deployment", "logs", $"{passing}-v2")).Stdout);

        Assert.Equal("hook-error", await node.WaitForStatus($"{failing}-v2", DeploymentStatus.IsTerminal, "an end"));
        var error = (await node.Cli("deployment", "show", $"{failing}-v2", "--json")).Json.GetProperty("error").GetString();
        Assert.Contains("exited with code 3", error);
        Assert.Equal((HttpStatusCode.OK, $"version v1 of {failing}"), await node.Get(failing));
        await Eventually.Until(() => DockerProbe.ContainersOf(failing), c => c.All(x => x.Version == "v1"),
            Within, "v2's containers to go");
    }
}
