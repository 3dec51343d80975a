using System.Net;
using Engine.Tests.Support;

namespace Engine.Tests.Hooks;

[Collection(DockerCollection.Name)]
public sealed class TimeoutEndToEndTests
{
    [Fact]
    public async Task A_hook_over_its_limit_is_a_hook_error_and_a_deployment_over_its_limit_a_timeout_error()
    {
        await using var node = await EngineNode.StartAsync("--hook-timeout", "3", "--deployment-timeout", "15", "--stop-grace", "1");
        var app = node.NewApp("limits");
        using var good = AppDir.WithHook("true");
        await node.DeployAsync(good, app);

        using var slowHook = AppDir.WithHook("sleep 120");
        var hook = await node.DeployFailingAsync(slowHook, app);
        Assert.Equal("hook-error", hook.Status);
        Assert.Contains("did not finish within 3 s", hook.Error);

        // The start timeout (60 s by default) is longer than the whole deployment's 15 s.
        using var deaf = new AppDir("web: sleep 600\n");
        var whole = await node.DeployFailingAsync(deaf, app);
        Assert.Equal("timeout-error", whole.Status);
        Assert.Contains("did not finish within its time limit", whole.Error);

        Assert.Equal((HttpStatusCode.OK, $"version v1 of {app}"), await node.Get(app));
        var containers = await Eventually.Until(() => DockerProbe.ContainersOf(app), c => c.Count == 1, TimeSpan.FromSeconds(30), "failed versions' containers to go");
        Assert.Equal("v1", containers.Single().Version);
    }
}
