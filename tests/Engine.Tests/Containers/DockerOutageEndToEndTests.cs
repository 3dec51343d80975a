using System.Diagnostics;
using System.Net;
using Engine.Tests.Support;
using Xunit.Abstractions;
using Engine.Protocol;

namespace Engine.Tests.Containers;

/// <summary>Items 7, 8 and 19: Docker frozen or stopped mid-deployment, on a private daemon of the test's own.</summary>
[Collection(DockerCollection.Name)]
public sealed class DockerOutageEndToEndTests(PrivateDockerFixture fixture, ITestOutputHelper output)
    : IClassFixture<PrivateDockerFixture>
{
    private readonly PrivateDocker _docker = fixture.Docker;
    private static readonly TimeSpan Generous = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_frozen_Docker_cannot_hold_a_deployment_past_its_time_limit_nor_hang_ps()
    {
        await using var node = await EngineNode.StartAsync("--docker-host", _docker.Host, "--deployment-timeout", "20",
            "--docker-timeout", "3", "--stop-grace", "1");
        var app = node.NewApp("frozen");
        using var good = AppDir.WithHook("true");
        await node.DeployAsync(good, app);
        using var slow = AppDir.WithHook("sleep 600");
        var deploy = node.Cli("deploy", slow.Path, "--app", app, "--json");
        var id = $"{app}-v2";
        await node.WaitForStatus(id, "running-hook");
        // Frozen once the hook runs: its wait has no deadline of its own, only the deployment's limit ends it.
        await Eventually.Until(() => _docker.ContainersOf(app), c => c.Any(x => x is { Type: "postdeploy", State: "running" }),
            Generous, "the hook container to run");

        _docker.Freeze();
        var frozen = Stopwatch.StartNew();
        try
        {
            var ps = await node.Cli("ps", app);
            output.WriteLine($"engine ps answered {frozen.Elapsed.TotalSeconds:0.0} s after the freeze: {ps.Stderr.Trim()}");
            Assert.True(ps.ExitCode != 0, ps.ToString());
            Assert.Contains($"the Docker engine at {_docker.Host} did not answer within 3 s", ps.Stderr);
            // Running containers do not need Docker: the routed version keeps serving.
            Assert.Equal((HttpStatusCode.OK, $"version v1 of {app}"), await node.Get(app));

            // The deployment's own limit holds although every Docker call hangs, cleanup included.
            await Eventually.Until(() => node.StatusOf(id), s => s == "timeout-error", Generous, $"{id} to time out");
            output.WriteLine($"timeout-error {frozen.Elapsed.TotalSeconds:0.0} s after the freeze");
        }
        finally
        {
            _docker.Thaw();
        }
        var result = await deploy;
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("did not finish within its time limit", result.LastJson.GetProperty("error").GetString());

        // Once Docker answers again, what the failed version left behind goes.
        var thawed = Stopwatch.StartNew();
        var left = await Eventually.Until(() => _docker.ContainersOf(app), c => c.All(x => x.Version == "v1"), Generous,
            "the failed version's containers to be removed");
        output.WriteLine($"v2's containers gone {thawed.Elapsed.TotalSeconds:0.0} s after the thaw");
        Assert.Equal(["web"], left.Select(c => c.Type));
        Assert.Equal((HttpStatusCode.OK, $"version v1 of {app}"), await node.Get(app));
    }

    [Fact]
    public async Task A_version_that_failed_while_Docker_was_down_does_not_come_back_with_Docker()
    {
        await using var node = await EngineNode.StartAsync("--docker-host", _docker.Host, "--docker-timeout", "3",
            "--stop-grace", "1");
        var app = node.NewApp("outage");
        using var good = AppDir.WithHook("true");
        await node.DeployAsync(good, app);
        // A hook that cannot end by itself within the test: only Docker's stop ends it.
        using var slow = AppDir.WithHook("sleep 600");
        var deploy = node.Cli("deploy", slow.Path, "--app", app, "--json");
        var id = $"{app}-v2";
        await node.WaitForStatus(id, "running-hook");
        await Eventually.Until(() => _docker.ContainersOf(app), c => c.Any(x => x is { Type: "postdeploy", State: "running" }),
            Generous, "the hook container to run");

        await _docker.StopDaemonAsync();
        var stopped = Stopwatch.StartNew();
        try
        {
            // While the hook runs, only the hook's outcome moves the deployment on, and its container dies with Docker: the
            // hook failed. (Past `starting`, a web container that dies does not fail it; the time limits are far off.)
            var status = await Eventually.Until(() => node.StatusOf(id), DeploymentStatus.IsTerminal,
                Generous, $"{id} to fail while Docker is down");
            output.WriteLine($"{status} {stopped.Elapsed.TotalSeconds:0.0} s after dockerd stopped");
            Assert.Equal("hook-error", status);
            var result = await deploy;
            Assert.Equal(1, result.ExitCode);
            Assert.Equal("hook-error", result.LastJson.GetProperty("status").GetString());
            // The hook's failure, and that Docker, being down, could not confirm the removal of the new containers.
            var error = result.LastJson.GetProperty("error").GetString()!;
            output.WriteLine($"error: {error}");
            Assert.StartsWith("the postdeploy hook ", error);
            Assert.Contains("the removal of containers could not be confirmed", error);
            var ps = await node.Cli("ps", app);
            Assert.True(ps.ExitCode != 0 && ps.Stderr.Contains(_docker.Host), ps.ToString());
        }
        finally
        {
            await _docker.StartDaemonAsync();
        }

        // Docker's restart policy brings back what ran before it stopped; the engine removes the failed version's part.
        var started = Stopwatch.StartNew();
        var left = await Eventually.Until(() => _docker.ContainersOf(app),
            c => c.Count == 1 && c[0] is { Version: "v1", Type: "web", State: "running" }, Generous,
            "only v1's web container to remain");
        output.WriteLine($"only v1 left {started.Elapsed.TotalSeconds:0.0} s after dockerd started again");
        Assert.Single(left);
        Assert.Equal((HttpStatusCode.OK, $"version v1 of {app}"), await Eventually.Until(() => node.Get(app),
            r => r.Status == HttpStatusCode.OK, Generous, "v1 to serve again"));
        output.WriteLine($"v1 serves {started.Elapsed.TotalSeconds:0.0} s after dockerd started again");
    }
}
