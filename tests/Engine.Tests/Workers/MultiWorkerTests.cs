using System.Diagnostics;
using Docker.DotNet.Models;
using Engine.Tests.Support;
using Xunit.Abstractions;
using static Engine.Tests.Support.Deadlines;

namespace Engine.Tests.Workers;

/// <summary>One deployment across two workers, each with its own Docker daemon, and a registry between them.</summary>
[Collection(PostgresCollection.Name)]
public sealed class MultiWorkerTests(PostgresServer postgres, TwoWorkersFixture docker, ITestOutputHelper output)
    : IClassFixture<TwoWorkersFixture>
{
    private const string A = TwoWorkerCluster.NameA;
    private const string B = TwoWorkerCluster.NameB;

    [Fact]
    public async Task Web_2_runs_one_per_worker_from_an_image_pulled_through_the_registry_and_scales_under_load_without_a_failed_request()
    {
        await using var nodes = await TwoWorkerCluster.StartAsync(postgres, docker);
        var app = nodes.Control.NewApp("mw");
        using var dir = TwoWorkerCluster.App();
        await nodes.Control.DeployAsync(dir, app);
        var v1 = Assert.Single(await nodes.PsAsync(app));
        var (builder, other) = v1.Worker == A ? (docker.DockerA, docker.DockerB) : (docker.DockerB, docker.DockerA);

        // Scaled out: the second web container goes to the other worker, which pulls the image rather than build it.
        var scaled = await nodes.Control.Cli("scale", app, "web=2", "--json");
        Assert.True(scaled.ExitCode == 0, scaled.ToString());
        Assert.Equal(2, scaled.Json.GetProperty("web").GetInt32());
        Assert.Equal([("web-1", "v1", v1.Worker), ("web-2", "v1", v1.Worker == A ? B : A)], await nodes.PsAsync(app));
        var built = await builder.ImagesOf(app);
        var pulled = await other.ImagesOf(app);
        Assert.Equal(built, pulled); // the same tag and the same image id: moved, not built again
        Assert.Single(pulled);

        // Either router serves both containers.
        foreach (var router in new[] { nodes.Control, nodes.B })
            await Eventually.Until(async () =>
            {
                var bodies = new HashSet<string>();
                for (var i = 0; i < 10; i++) bodies.Add((await router.Get(app)).Body);
                return bodies;
            }, b => b.SetEquals(["v1 web-1", "v1 web-2"]), Within, $"{router.RouterUrl} to serve both web containers");

        // A deployment starts the formation, one web container per worker; its image goes through the registry.
        var deployed = await nodes.Control.DeployAsync(dir, app);
        var log = (await nodes.Control.Cli("deployment", "logs", $"{app}-v2")).Stdout;
        Assert.Contains("-----> pushing", log);
        Assert.Contains($"pushed {docker.Registry.Address}/engine-apps/{app}:v2-", log);
        Assert.Contains("pulled", log);
        var v2 = await nodes.PsAsync(app);
        Assert.Equal([("web-1", "v2"), ("web-2", "v2")], v2.Select(c => (c.Name, c.Version)));
        Assert.Equal([A, B], v2.Select(c => c.Worker).Order());

        // Scale up, then down, under a steady request loop: no request fails.
        await using (var loop = new RequestLoop(nodes.Control, app))
        {
            await Eventually.Until(() => Task.FromResult(loop.Served.Count), n => n > 20, Within, "requests to flow");
            await nodes.Control.CliOk("scale", app, "web=3");
            Assert.Equal(3, (await nodes.PsAsync(app)).Count(c => c.Name.StartsWith("web-")));
            await Eventually.Until(() => Task.FromResult(loop.Served.Select(s => s.Body).ToHashSet()), b => b.Contains("v2 web-3"),
                Within, "web-3 to join the route");
            await nodes.Control.CliOk("scale", app, "web=1");
            await Eventually.Until(() => nodes.PsAsync(app), c => c.Count == 1, Within, "web-2 and web-3 to be removed");
            var mark = loop.Served.Count;
            await Eventually.Until(() => Task.FromResult(loop.Served.Count), n => n > mark + 20, Within, "requests after the scale");
            await loop.DisposeAsync();
            output.WriteLine($"scale 2 -> 3 -> 1 under load: {loop.Served.Count} requests served, {loop.Failed.Count} failed");
            Assert.Empty(loop.Failed);
            Assert.All(loop.Served.Skip(mark), s => Assert.Equal("v2 web-1", s.Body));
        }
        var formation = await nodes.Control.Cli("scale", app, "--json");
        Assert.Equal(1, formation.Json.GetProperty("web").GetInt32());
        Assert.Equal("success", deployed.LastJson.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Capacity_is_honoured_and_a_formation_that_fits_nowhere_is_refused_before_anything_starts()
    {
        await using var nodes = await TwoWorkerCluster.StartAsync(postgres, docker, workerArgs: ["--capacity", "1"]);
        var app = nodes.Control.NewApp("cap");
        using var dir = TwoWorkerCluster.App();
        await nodes.Control.DeployAsync(dir, app);
        await nodes.Control.CliOk("scale", app, "web=2");

        var refused = await nodes.Control.Cli("scale", app, "web=3");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("web-3 fits on no worker", refused.Stderr);
        Assert.Contains($"worker {A} is full (1 of capacity 1)", refused.Stderr);
        Assert.Contains($"worker {B} is full (1 of capacity 1)", refused.Stderr);
        Assert.Equal(2, (await nodes.PsAsync(app)).Count);
        Assert.Equal(2, (await nodes.Control.Cli("scale", app, "--json")).Json.GetProperty("web").GetInt32());

        // Another app finds both workers full: its deployment fails before starting anything, and says why.
        var second = nodes.Control.NewApp("cap");
        var (status, error) = await nodes.Control.DeployFailingAsync(dir, second);
        Assert.Equal("placement-error", status);
        Assert.Contains($"worker {A} is full (1 of capacity 1)", error);
        Assert.Empty(await nodes.PsAsync(second));

        foreach (var bad in new[] { "web=-1", "postdeploy=2", "clock=1", "web=0", "web=two" })
        {
            var result = await nodes.Control.Cli("scale", app, bad);
            Assert.True(result.ExitCode is 1 or 2 && result.Stderr.Length > 0, $"{bad}: {result}");
        }
    }

    [Fact]
    public async Task Two_workers_without_a_registry_refuse_to_start_a_deployment()
    {
        await using var nodes = await TwoWorkerCluster.StartAsync(postgres, docker, registry: false);
        var app = nodes.Control.NewApp("noreg");
        using var dir = TwoWorkerCluster.App();
        var (status, error) = await nodes.Control.DeployFailingAsync(dir, app);
        Assert.Equal("placement-error", status);
        Assert.Contains("no registry is configured", error);
        Assert.Contains("--registry HOST:PORT", error);
    }

    [Fact]
    public async Task A_push_that_fails_ends_the_deployment_naming_the_worker_and_the_image_and_starts_nothing()
    {
        // Nothing listens where the control node thinks the registry is.
        var dead = $"127.0.0.1:{Engine.Containers.FreePorts.Take(1)[0]}";
        await using var nodes = await TwoWorkerCluster.StartAsync(postgres, docker, registryAddress: dead);
        var app = nodes.Control.NewApp("push");
        await nodes.Control.CliOk("env", "set", app, "A=1");
        // web and clock go to different workers (the fewest in all): the image must reach the one that did not build it.
        using var dir = TwoWorkerCluster.App("web: sh /app/web.sh\nclock: sleep 600\n");
        var (status, error) = await nodes.Control.DeployFailingAsync(dir, app);
        Assert.Equal("build-error", status);
        Assert.Matches($"^worker worker-[ab] could not push {dead}/engine-apps/{app}:v1-[0-9a-f]+: ", error);
        Assert.Empty(await nodes.PsAsync(app));
    }

    [Fact]
    public async Task A_worker_lost_during_a_deployment_ends_it_naming_the_worker_and_its_other_containers_go()
    {
        var (nodes, app) = await SpreadAppAsync("lostd");
        await using var _ = nodes;

        // v2's hook waits: its containers run on both workers meanwhile.
        using var slow = TwoWorkerCluster.App("web: sh /app/web.sh\npostdeploy: sleep 300\n");
        var deploy = nodes.Control.Cli("deploy", slow.Path, "--app", app);
        await nodes.Control.WaitForStatus($"{app}-v2", "running-hook");
        Assert.Equal(2, (await nodes.PsAsync(app)).Count(c => c.Version == "v2" && c.Name.StartsWith("web-")));

        var clock = Stopwatch.StartNew();
        await nodes.B.KillAsync();
        var result = await deploy;
        output.WriteLine($"worker lost during a deployment: it ended {clock.Elapsed.TotalSeconds:0.0} s after the kill");
        Assert.True(result.ExitCode == 1, result.ToString());
        var view = (await nodes.Control.Cli("deployment", "show", $"{app}-v2", "--json")).Json;
        Assert.Equal("aborted", view.GetProperty("status").GetString());
        Assert.Contains("left the cluster", view.GetProperty("error").GetString());

        // Worker A keeps only v1; the router still serves v1 (its web-2 moves to A once B is gone for good).
        await Eventually.Until(() => nodes.TryPsAsync(app), c => c.All(x => x.Version == "v1") && c.Count == 2 && c.All(x => x.Worker == A),
            Within * 2, "v2's containers to go and v1's web-2 to start again on worker A");
        Assert.StartsWith("v1 web-", (await nodes.Control.Get(app)).Body);
    }

    [Fact]
    public async Task After_a_worker_is_lost_its_containers_start_on_the_other_and_requests_fail_only_until_it_is_detected()
    {
        var (nodes, app) = await SpreadAppAsync("losta");
        await using var _ = nodes;
        var onB = (await nodes.PsAsync(app)).Single(c => c.Worker == B).Name;

        await using var loop = new RequestLoop(nodes.Control, app);
        await Eventually.Until(() => Task.FromResult(loop.Served.Count), n => n > 20, Within, "requests to flow");
        // Worker B's host is gone: its engine and its containers.
        var lostAt = loop.Now;
        await nodes.B.KillAsync();
        foreach (var c in await docker.DockerB.Client.Containers.ListContainersAsync(new ContainersListParameters()))
            await docker.DockerB.Client.Containers.KillContainerAsync(c.ID, new ContainerKillParameters());

        await Eventually.Until(() => nodes.TryPsAsync(app), c => c.Count == 2 && c.All(x => x.Worker == A), Within * 2,
            $"{onB} to start again on worker A");
        // Its container on worker B is long dead by now: a request sent from here on that it answers was served on A.
        var placedAt = loop.Now;
        var moved = await Eventually.Until(() => Task.FromResult(loop.Served.FirstOrDefault(s => s.At > placedAt && s.Body == $"v1 {onB}")),
            s => s.Body is not null, Within, $"{onB} to serve again from worker A");
        var movedAt = moved.At;
        var mark = loop.Served.Count;
        await Eventually.Until(() => Task.FromResult(loop.Served.Count), n => n > mark + 50, Within, "more requests");
        await loop.DisposeAsync();

        var failed = loop.Failed;
        var window = failed.Count == 0 ? TimeSpan.Zero : failed[^1].At - lostAt;
        output.WriteLine($"worker lost after success: {failed.Count} of {failed.Count + loop.Served.Count} requests failed, the last "
                         + $"{window.TotalSeconds:0.0} s after the loss; {onB} served again on worker A after {(movedAt - lostAt).TotalSeconds:0.0} s");
        // What the router did meanwhile, to read when this fails.
        foreach (var line in nodes.Control.Output.Split('\n').Where(l => l.Contains(app) && (l.Contains("route") || l.Contains("lost worker"))))
            output.WriteLine(line);
        // Failures only until the routers took the lost endpoint out (a few requests in a row), none since.
        Assert.DoesNotContain(failed, f => f.At > movedAt);
        Assert.Contains("requests in a row; out of the route", nodes.Control.Output);
    }

    [Fact]
    public async Task A_worker_process_that_restarts_while_its_Docker_runs_re_attaches_to_its_containers_and_starts_none_twice()
    {
        var (nodes, app) = await SpreadAppAsync("reatt");
        await using var _ = nodes;
        var before = await IdsOf(app);
        Assert.Equal(2, before.Count);

        await nodes.B.KillAsync();
        await nodes.B.RestartAsync();
        // Once the cluster removed its old incarnation and the grace a lost worker gets is over, the app finds it back.
        await Eventually.Until(() => Task.FromResult(nodes.Control.Output), o => o.Contains($"{app}: worker {B} is back"),
            Within * 2, "the app to find worker B back");
        Assert.Equal(before, await IdsOf(app));
        Assert.Equal([("web-1", "v1"), ("web-2", "v1")], (await nodes.PsAsync(app)).Select(c => (c.Name, c.Version)));
        await Eventually.Until(async () =>
        {
            var bodies = new HashSet<string>();
            for (var i = 0; i < 10; i++) bodies.Add((await nodes.Control.Get(app)).Body);
            return bodies;
        }, b => b.SetEquals(["v1 web-1", "v1 web-2"]), Within, "both containers to be routed again");
    }

    /// <summary>A cluster with an app deployed and scaled to web=2: one web container per worker.</summary>
    private async Task<(TwoWorkerCluster Nodes, string App)> SpreadAppAsync(string prefix)
    {
        var nodes = await TwoWorkerCluster.StartAsync(postgres, docker);
        try
        {
            var app = nodes.Control.NewApp(prefix);
            using var dir = TwoWorkerCluster.App();
            await nodes.Control.DeployAsync(dir, app);
            var scaled = await nodes.Control.Cli("scale", app, "web=2");
            Assert.True(scaled.ExitCode == 0, scaled.ToString());
            return (nodes, app);
        }
        catch
        {
            await nodes.DisposeAsync();
            throw;
        }
    }

    /// <summary>The app's containers on both daemons: id and state.</summary>
    private async Task<IReadOnlySet<string>> IdsOf(string app) =>
        (await docker.DockerA.ContainerIdsOf(app)).Union(await docker.DockerB.ContainerIdsOf(app)).ToHashSet();
}
