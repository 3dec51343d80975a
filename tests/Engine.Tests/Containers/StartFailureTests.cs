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

        Assert.Equal("crashed-error", (await _node.DeployFailingAsync(dir, app)).Status);
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

        var (status, error) = await _node.DeployFailingAsync(dir, app);
        Assert.Equal("timeout-error", status);
        Assert.Contains("did not accept connections", error);
        Assert.Empty(await DockerProbe.ContainersOf(app));
    }

    [Fact]
    public async Task A_crash_looping_worker_ends_as_crashed_error_and_the_old_version_keeps_serving()
    {
        var app = _node.NewApp("crashloop");
        // A worker that stays up passes the stability window.
        using var steady = new AppDir("web: sh /app/web.sh\nworker: sleep 600\n");
        await _node.DeployAsync(steady, app);
        Assert.Equal(["web", "worker"], (await DockerProbe.ContainersOf(app)).Where(c => c.State == "running").Select(c => c.Type));

        using var looping = new AppDir("web: sh /app/web.sh\nworker: sleep 1; exit 1\n");
        var (status, error) = await _node.DeployFailingAsync(looping, app);

        Assert.Equal("crashed-error", status);
        Assert.Contains("worker-1", error);
        Assert.DoesNotContain(await DockerProbe.ContainersOf(app), c => c.Version == "v2");
        Assert.Equal((HttpStatusCode.OK, $"version v1 of {app}"), await _node.Get(app));
    }
}
