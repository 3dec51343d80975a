using System.Net;
using Engine.Tests.Support;

namespace Engine.Tests.Hooks;

[Collection(DockerCollection.Name)]
public sealed class HookEndToEndTests(SharedNode shared)
{
    private readonly EngineNode _node = shared.Node;

    [Fact]
    public async Task The_hook_runs_with_exactly_the_app_environment_plus_the_injected_variables()
    {
        var app = _node.NewApp("hookenv");
        await _node.CliOk("env", "set", app, "FOO=bar", "GREETING=hello world", "DROPPED=x");
        await _node.CliOk("env", "unset", app, "DROPPED");
        using var dir = AppDir.WithHook("env | sort | sed 's/^/ENV /'");

        await _node.DeployAsync(dir, app);
        var env = (await _node.Cli("deployment", "logs", $"{app}-v1")).Stdout.Split('\n')
            .Where(l => l.StartsWith("ENV ")).Select(l => l[4..]).ToHashSet();

        Assert.Contains("FOO=bar", env);
        Assert.Contains("GREETING=hello world", env);
        Assert.Contains($"APP={app}", env);
        Assert.Contains("CONTAINER=postdeploy-1", env);
        Assert.Contains("CONTAINER_VERSION=v1", env);
        Assert.Contains($"DEPLOYMENT_ID={app}-v1", env);
        Assert.DoesNotContain(env, e => e.StartsWith("DROPPED="));
        Assert.DoesNotContain(env, e => e.StartsWith("PORT="));
    }

    [Fact]
    public async Task Files_the_hook_writes_stay_in_its_one_off_container()
    {
        var app = _node.NewApp("hookfs");
        using var dir = AppDir.WithHook("mkdir -p /tmp/www && echo written-by-hook > /tmp/www/hook.txt && cat /tmp/www/hook.txt");

        var result = await _node.DeployAsync(dir, app);
        Assert.Contains("written-by-hook", result.Stderr);

        Assert.Equal((HttpStatusCode.OK, $"version v1 of {app}"), await _node.Get(app));
        Assert.Equal(HttpStatusCode.NotFound, (await _node.Get(app, "/hook.txt")).Status);
        Assert.DoesNotContain(await DockerProbe.ContainersOf(app), c => c.Type == "postdeploy");
    }
}
