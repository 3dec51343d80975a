using System.Net;
using Engine.Tests.Support;

namespace Engine.Tests.Containers;

[Collection(DockerCollection.Name)]
public sealed class StartFailureTests(SharedNode shared)
{
    private readonly EngineNode _node = shared.Node;

    [Fact]
    public async Task A_web_container_that_exits_before_it_listens_ends_as_crashed_error_and_is_removed()
    {
        var app = _node.NewApp("crash");
        using var dir = new AppDir("web: echo about to die; exit 1\npostdeploy: echo must not run\n");

        var result = await _node.Cli("deploy", dir.Path, "--app", app, "--json");
        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Equal("crashed-error", result.LastJson.GetProperty("status").GetString());
        var log = (await _node.Cli("deployment", "logs", $"{app}-v1")).Stdout;
        Assert.Contains("about to die", log);
        Assert.DoesNotContain("must not run", log);
        Assert.Empty(await DockerProbe.ContainersOf(app));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await _node.Get(app)).Status);
    }

    [Fact]
    public async Task A_web_container_that_never_listens_ends_as_timeout_error_and_is_removed()
    {
        var app = _node.NewApp("deaf");
        using var dir = new AppDir("web: sleep 600\n");

        var result = await _node.Cli("deploy", dir.Path, "--app", app, "--json");
        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Equal("timeout-error", result.LastJson.GetProperty("status").GetString());
        Assert.Contains("did not accept connections", result.LastJson.GetProperty("error").GetString());
        Assert.Empty(await DockerProbe.ContainersOf(app));
    }
}
