using System.Diagnostics;
using System.Net;
using Docker.DotNet;
using Docker.DotNet.Models;
using Engine.Tests.Support;
using Xunit.Abstractions;

namespace Engine.Tests.Containers;

/// <summary>Item 11: a routed container killed after its deployment is started again, out of the route meanwhile.
/// Runs on the system Docker: it only kills its own app's container.</summary>
[Collection(DockerCollection.Name)]
public sealed class SupervisionEndToEndTests(SharedNode shared, ITestOutputHelper output)
{
    private readonly EngineNode _node = shared.Node;

    [Fact]
    public async Task A_killed_web_container_is_started_again_and_journaled()
    {
        var app = _node.NewApp("killed");
        using var dir = new AppDir();
        await _node.DeployAsync(dir, app);
        Assert.Equal((HttpStatusCode.OK, $"version v1 of {app}"), await _node.Get(app));

        using var docker = new DockerClientConfiguration(new Uri(
            Environment.GetEnvironmentVariable("DOCKER_HOST") is { Length: > 0 } h ? h : "unix:///var/run/docker.sock")).CreateClient();
        var web = (await docker.Containers.ListContainersAsync(new ContainersListParameters
        {
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["label"] = new Dictionary<string, bool> { [$"engine.app={app}"] = true, ["engine.type=web"] = true },
            },
        })).Single();
        // `docker kill`: Docker's restart policy treats it as a manual stop and leaves the container exited.
        await docker.Containers.KillContainerAsync(web.ID, new ContainerKillParameters { Signal = "KILL" });
        var killed = Stopwatch.StartNew();

        // While it is down the router says so instead of proxying to a dead port (it stays out for at least a second).
        var down = await Eventually.Until(() => _node.Get(app), r => r.Status == HttpStatusCode.ServiceUnavailable,
            TimeSpan.FromSeconds(30), "the router to take the dead container out");
        Assert.Contains("no live web container", down.Body);
        Assert.Equal((HttpStatusCode.OK, $"version v1 of {app}"), await Eventually.Until(() => _node.Get(app),
            r => r.Status == HttpStatusCode.OK, Deadlines.Within, "the web container to serve again"));
        output.WriteLine($"serving again {killed.Elapsed.TotalSeconds:0.0} s after the kill");

        var ps = await _node.Cli("ps", app, "--json");
        Assert.True(ps.ExitCode == 0, ps.ToString());
        var row = ps.Json.EnumerateArray().Single(c => c.GetProperty("type").GetString() == "web");
        Assert.Equal("running", row.GetProperty("state").GetString());
        Assert.True(row.GetProperty("restarts").GetInt32() >= 1, ps.Stdout);
        Assert.Equal(137, row.GetProperty("last_exit_code").GetInt64());

        var audit = await _node.Cli("audit", app, "--json");
        Assert.True(audit.ExitCode == 0, audit.ToString());
        Assert.Contains(audit.Json.EnumerateArray(), e => e.GetProperty("type").GetString() == "ContainerRestarted"
            && e.GetProperty("deployment").GetString() == $"{app}-v1");
    }
}
