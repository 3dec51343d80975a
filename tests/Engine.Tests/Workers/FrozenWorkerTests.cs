using Engine.Tests.Support;
using Xunit.Abstractions;
using static Engine.Tests.Support.Deadlines;

namespace Engine.Tests.Workers;

/// <summary>Issue 19, item 3: the engine process of the only worker frozen (`kill -STOP`) while its containers serve.</summary>
[Collection(PostgresCollection.Name)]
public sealed class FrozenWorkerTests(PostgresServer postgres, PrivateDockerFixture docker, ITestOutputHelper output)
    : IClassFixture<PrivateDockerFixture>
{
    /// <summary>Longer than the failure detector and the split-brain resolver together (about 12 s): the cluster downs it.</summary>
    private static readonly TimeSpan Freeze = TimeSpan.FromSeconds(40);
    private const string Worker = "worker-a";

    [Fact]
    public async Task The_only_workers_engine_frozen_for_40_s_fails_no_request_and_its_containers_serve_on_after_it_restarts()
    {
        await using var cluster = await TestCluster.StartAsync(postgres);
        var control = await cluster.StartNodeAsync("control,router",
            "--docker-host", "unix:///nonexistent/docker.sock", "--start-timeout", "30", "--stop-grace", "5");
        var worker = await cluster.StartNodeAsync("worker",
            "--docker-host", docker.Docker.Host, "--worker-name", Worker, "--port-range", "23000-23999");
        await TestCluster.AllUpAsync(control, 3);
        var app = control.NewApp("frozen");
        using var dir = TwoWorkerCluster.App();
        await control.DeployAsync(dir, app);
        var before = await docker.Docker.ContainerIdsOf(app);
        Assert.Single(before);

        await using var loop = new RequestLoop(control, app, maxRequests: 150_000, maxDuration: TimeSpan.FromMinutes(4));
        await Eventually.Until(() => Task.FromResult(loop.Served.Count), n => n > 20, Within, "requests to flow");
        var frozenAt = loop.Now;
        await worker.SignalAsync(freeze: true);
        await Task.Delay(Freeze); // the fault itself
        await worker.SignalAsync(freeze: false);
        var resumedAt = loop.Now;

        // The cluster downed it meanwhile: it says so and exits 3, and its init system starts it again under its name.
        Assert.Equal(3, await worker.WaitForExitAsync(Within));
        await worker.RestartAsync();
        await Eventually.Until(() => Task.FromResult(control.Output), o => o.Contains($"{app}: worker {Worker} is up"),
            Within, "the app to see its worker up again");
        // The app finds its container by its labels a moment later: the loop runs on through that.
        var mark = loop.Served.Count;
        await Eventually.Until(() => Task.FromResult(loop.Served.Count), n => n > mark + 1000, Within, "more requests");
        await loop.DisposeAsync();

        var failed = loop.Failed;
        output.WriteLine($"worker engine frozen for {Freeze.TotalSeconds:0} s: {failed.Count} of {failed.Count + loop.Served.Count} "
                         + $"requests failed; {loop.Served.Count(s => s.At > frozenAt && s.At < resumedAt)} served while it was frozen");
        Assert.True(failed.Count == 0, $"{failed.Count} failed, first: {string.Join("; ", failed.Take(3))}");
        Assert.Contains(loop.Served, s => s.At > resumedAt);
        Assert.All(loop.Served, s => Assert.Equal("v1 web-1", s.Body));
        // The very same container served throughout: never stopped, replaced or started twice.
        Assert.Equal(before, await docker.Docker.ContainerIdsOf(app));
        Assert.Equal([("web-1", "v1", Worker)], await TwoWorkerCluster.PsAsync(control, app));
    }
}
