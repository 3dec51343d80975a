using System.Net;
using Engine.Tests.Support;
using static Engine.Tests.Support.Deadlines;

namespace Engine.Tests.Apps;

[Collection(DockerCollection.Name)]
public sealed class RestartRecoveryTests
{
    [Fact]
    public async Task After_kill_9_the_in_flight_deployment_is_aborted_and_the_last_good_version_serves_again()
    {
        await using var node = await EngineNode.StartAsync("--start-timeout", "20", "--stop-grace", "2");
        var app = node.NewApp("restart");
        using var good = AppDir.WithHook("true");
        await node.DeployAsync(good, app);

        using var slow = AppDir.WithHook("sleep 300");
        var inFlight = node.Cli("deploy", slow.Path, "--app", app);
        await node.WaitForStatus($"{app}-v2", "running-hook");
        // Killed before Docker has started the hook's container, recovery would find it `created` (another abort reason).
        await Eventually.Until(() => DockerProbe.ContainersOf(app), c => c.Any(x => x is { Type: "postdeploy", State: "running" }),
            Within, "the hook container to run");

        await node.KillAsync();
        await inFlight;
        // The hook's container goes too: recovery cannot re-attach to it, so whether it ran is unknown.
        foreach (var hook in (await DockerProbe.ContainersOf(app)).Where(c => c.Type == "postdeploy"))
            await DockerProbe.RemoveAsync(hook.Name);
        // While the node is down, v1's web container disappears too: recovery must start it again.
        await DockerProbe.RemoveAsync(node.ContainerName($"{app}-v1-web-1"));
        // And containers that belong to no routed or in-flight deployment, of this app or an unknown one, must go.
        var instance = node.InstanceId();
        var strayApp = node.NewApp("stray");
        await DockerProbe.StartStrayAsync(instance, app, $"{app}-v99");
        await DockerProbe.StartStrayAsync(instance, strayApp, $"{strayApp}-v1");
        await node.RestartAsync();

        await node.WaitForStatus($"{app}-v2", "aborted");
        var v2 = (await node.Cli("deployment", "show", $"{app}-v2", "--json")).Json;
        Assert.Contains("restarted during the postdeploy hook and its container is gone", v2.GetProperty("error").GetString());
        Assert.Equal("success", await node.StatusOf($"{app}-v1"));

        var served = await Eventually.Until(() => node.Get(app), r => r.Status == HttpStatusCode.OK, Within, "v1 to serve again");
        Assert.Equal($"version v1 of {app}", served.Body);
        var containers = await Eventually.Until(() => DockerProbe.ContainersOf(app), c => c.Count == 1, Within, "v2's containers to go");
        Assert.Equal(new ProbedContainer(node.ContainerName($"{app}-v1-web-1"), "v1", "web", "running"), containers.Single());
        await Eventually.Until(() => DockerProbe.ContainersOf(strayApp), c => c.Count == 0, Within, "the unknown app's container to go");

        var deployments = (await node.Cli("deployments", app, "--json")).Json.EnumerateArray()
            .Select(d => (d.GetProperty("id").GetString(), d.GetProperty("status").GetString())).ToList();
        Assert.Equal([($"{app}-v1", "success"), ($"{app}-v2", "aborted")], deployments);

        // The app still deploys after recovery.
        await node.DeployAsync(good, app);
        Assert.Equal($"version v3 of {app}", (await node.Get(app)).Body);
    }
}
