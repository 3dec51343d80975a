using System.Diagnostics;
using System.Net;
using Engine.Apps;
using Engine.Tests.Support;
using Xunit.Abstractions;
using Engine.Protocol;
using static Engine.Tests.Support.Deadlines;

namespace Engine.Tests.Cluster;

/// <summary>The point of the cluster: when the control node that owns an app dies, another one takes the app over from
/// the shared journal and serves it, with its env and history.</summary>
[Collection(PostgresCollection.Name)]
public sealed class FailoverTests(PostgresServer postgres, ITestOutputHelper output)
{
    /// <summary>A deadline, not the target: the takeover takes 20-25 s here (ClusterTiming), and bench/RESULTS.md
    /// reports it; a loaded CI machine must not turn a slow takeover into a failed test.</summary>
    private static readonly TimeSpan Takeover = TimeSpan.FromSeconds(60);

    /// <summary>The issue's test cluster: two control+router nodes with no Docker engine and one worker node behind a
    /// Lighthouse, all up. Apps are sharded over both control nodes; the worker runs every container and hook.</summary>
    private static async Task<ControlNodes> TwoControlNodesAsync(TestCluster cluster, int startTimeout = 20)
    {
        const string noDocker = "unix:///nonexistent/docker.sock";
        var first = await cluster.StartNodeAsync("control,router", "--docker-host", noDocker, "--start-timeout", $"{startTimeout}");
        var second = await cluster.StartNodeAsync("control,router", "--docker-host", noDocker, "--start-timeout", $"{startTimeout}");
        await cluster.StartNodeAsync("worker");
        // Each node's view: the owner must see the worker up before it can place a deployment there.
        var firstAddress = (await TestCluster.AllUpAsync(first, 4)).Json.GetProperty("self").GetString()!;
        var secondAddress = (await TestCluster.AllUpAsync(second, 4)).Json.GetProperty("self").GetString()!;
        return new ControlNodes(first, second, firstAddress, secondAddress);
    }

    private sealed record ControlNodes(EngineNode First, EngineNode Second, string FirstAddress, string SecondAddress)
    {
        /// <summary>The control node whose shard runs the app now, and the other one.</summary>
        public async Task<(EngineNode Owner, EngineNode Other, string OtherAddress)> OwnerOfAsync(string app)
        {
            var show = await First.Cli("cluster", "show", "--json");
            Assert.True(show.ExitCode == 0, show.ToString());
            var owner = ClusterEndToEndTests.OwnerOf(show.Json, app);
            if (owner == FirstAddress) return (First, Second, SecondAddress);
            Assert.True(owner == SecondAddress, $"{app} is owned by {owner ?? "no node"}, neither control node");
            return (Second, First, FirstAddress);
        }
    }

    /// <summary>`cluster show --json` says the app is owned by that node (while apps move it may not list them at all).</summary>
    private static bool Owns(CliResult show, string app, string node) =>
        show.ExitCode == 0 && show.Json.GetProperty("apps").ValueKind == System.Text.Json.JsonValueKind.Array
                           && ClusterEndToEndTests.OwnerOf(show.Json, app) == node;

    /// <summary>Both paths: the oldest control node also runs the registry and the shard coordinator, which move with
    /// its apps; the youngest runs only apps.</summary>
    [Theory]
    [InlineData("oldest")]
    [InlineData("youngest")]
    public async Task When_an_owner_is_killed_the_other_control_node_owns_and_serves_its_apps_with_their_env_and_history(string killed)
    {
        await using var cluster = await TestCluster.StartAsync(postgres);
        var nodes = await TwoControlNodesAsync(cluster);

        // Two apps on two shards: sharding places them on different control nodes.
        var extractor = new AppMessageExtractor();
        var apps = new[] { nodes.First.NewApp("fo"), "" };
        apps[1] = Enumerable.Range(0, 100).Select(_ => nodes.First.NewApp("fo"))
            .First(a => extractor.ShardId(a) != extractor.ShardId(apps[0]));
        using var dir = new AppDir();
        foreach (var app in apps)
        {
            await nodes.First.CliOk("env", "set", app, "GREETING=still here");
            await nodes.First.DeployAsync(dir, app);
        }
        var show = (await nodes.First.Cli("cluster", "show", "--json")).Json;
        Assert.Equal(new[] { nodes.FirstAddress, nodes.SecondAddress }.Order(), apps.Select(a => ClusterEndToEndTests.OwnerOf(show, a)).Order());
        var (victim, victimAddress, survivor, survivorAddress) = killed == "oldest"
            ? (nodes.First, nodes.FirstAddress, nodes.Second, nodes.SecondAddress)
            : (nodes.Second, nodes.SecondAddress, nodes.First, nodes.FirstAddress);
        var moved = apps.Single(a => ClusterEndToEndTests.OwnerOf(show, a) == victimAddress);
        var containers = (await survivor.Cli("ps", moved, "--json")).Json;

        // Requests to both apps through the surviving router, the whole time: it has had the routes since the deployments.
        using var steady = new CancellationTokenSource(Within * 2);
        var (served, failed) = (0, new List<string>());
        var loop = Task.Run(async () =>
        {
            for (var i = 0; !steady.IsCancellationRequested; i++)
            {
                var app = apps[i % 2];
                try
                {
                    var (status, body) = await survivor.Get(app);
                    if (status == HttpStatusCode.OK && body == $"version v1 of {app}") served++;
                    else failed.Add($"{app}: {(int)status} {body}");
                }
                catch (HttpRequestException e) { failed.Add($"{app}: {e.Message}"); }
            }
        });

        var clock = Stopwatch.StartNew();
        await victim.KillAsync();
        await Eventually.Until(() => survivor.Cli("cluster", "show", "--json"), r => Owns(r, moved, survivorAddress), Takeover,
            "the other node to own the app");
        var owned = clock.Elapsed;
        var env = await Eventually.Until(() => survivor.Cli("env", moved, "--json"), r => r.ExitCode == 0, Takeover - owned,
            "the app's actor to answer on the new owner");
        output.WriteLine($"failover: killed the {killed} control node; the other node owned its app after {owned.TotalSeconds:0.0} s " +
                         $"and the app's actor answered there after {clock.Elapsed.TotalSeconds:0.0} s; the surviving router served " +
                         $"{served} requests to both apps meanwhile, {failed.Count} failed");
        await steady.CancelAsync();
        await loop;
        Assert.Empty(failed);
        Assert.True(served > 0);

        foreach (var app in apps)
        {
            Assert.Equal($"version v1 of {app}", (await survivor.Get(app)).Body);
            Assert.Equal("still here", (await survivor.Cli("env", app, "--json")).Json.GetProperty("GREETING").GetString());
            var deployments = (await survivor.Cli("deployments", app, "--json")).Json;
            Assert.Equal(["success"], deployments.EnumerateArray().Select(d => d.GetProperty("status").GetString()));
        }
        Assert.Equal("still here", env.Json.GetProperty("GREETING").GetString());
        // The same containers: the new owner found those the dead one started, and started none of its own.
        Assert.Equal(Names(containers), Names((await survivor.Cli("ps", moved, "--json")).Json));
    }

    [Fact]
    public async Task When_the_owner_is_killed_during_the_hook_the_new_owner_finishes_the_deployment_without_running_the_hook_again()
    {
        await using var cluster = await TestCluster.StartAsync(postgres);
        var nodes = await TwoControlNodesAsync(cluster);
        var app = nodes.First.NewApp("fohook");
        using var counter = new HookCounter();
        var (deploy, deployment) = await DeployUntilTheHookRunsAsync(counter, nodes.First, app);
        var (owner, second, _) = await nodes.OwnerOfAsync(app);
        var clock = Stopwatch.StartNew();
        await owner.KillAsync();
        // Through the killed node it fails; through the other it ends with the deployment.
        await deploy;

        Assert.Equal("success", await second.WaitForStatus(deployment, DeploymentStatus.IsTerminal, "an end on the new owner"));
        output.WriteLine($"failover during the hook: killed the owner; the deployment ended success on the other node after {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.Equal((HttpStatusCode.OK, $"version v2 of {app}"), await second.Get(app));
        Assert.Equal(1, counter.Hits);
        // The whole log through the survivor: the build on the dead node, the hook's lines from both sides, none twice.
        var log = (await second.CliOk("deployment", "logs", deployment)).Stdout.Split('\n');
        Assert.Contains(log, l => l.Contains("built image", StringComparison.Ordinal));
        Assert.Contains(log, l => l.Contains("re-attached", StringComparison.Ordinal));
        Assert.Equal(["before-1", "before-2", "after-1"], log.Where(l => l is "before-1" or "before-2" or "after-1"));
        // The deployment's own events (the app's DeploymentEnded repeats the final status).
        var statuses = (await second.Cli("audit", app, "--json")).Json.EnumerateArray()
            .Where(e => e.GetProperty("persistence_id").GetString() != $"app-{app}" && e.TryGetProperty("deployment", out var d)
                        && d.GetString() == deployment && e.TryGetProperty("status", out var st) && st.ValueKind == System.Text.Json.JsonValueKind.String)
            .Select(e => e.GetProperty("status").GetString()!).ToList();
        Assert.Equal(statuses.Distinct(), statuses);
        Assert.Equal("success", statuses[^1]);
        await OnlyRunningContainerAsync(app, "v2");
    }

    [Fact]
    public async Task When_the_owner_is_killed_during_a_detached_run_the_new_owner_re_attaches_and_journals_its_end_once()
    {
        await using var cluster = await TestCluster.StartAsync(postgres);
        var nodes = await TwoControlNodesAsync(cluster);
        var app = nodes.First.NewApp("forun");
        using var dir = new AppDir();
        using var gate = new HookGate();
        await nodes.First.DeployAsync(dir, app);
        var (owner, second, secondAddress) = await nodes.OwnerOfAsync(app);
        var started = await second.CliOk("run", app, "--detach", "--", "sh", "-c", $"{gate.Hook}; exit 5");
        Assert.StartsWith($"{app}/one-off-1 runs detached", started.Stdout);
        await Eventually.Until(async () => (await second.CliOk("logs", app, "--type", "one-off")).Stdout,
            s => s.Contains("hook-begins"), Within, "the run to begin");

        await owner.KillAsync();
        await Eventually.Until(() => second.Cli("cluster", "show", "--json"), show => Owns(show, app, secondAddress), Takeover,
            "the other control node to own the app");
        gate.Open();

        // Its exit code can only come from the new owner's wait on the container it found again by its labels.
        var ended = await Eventually.Until(async () => (await second.CliOk("audit", app, "--json")).Json.EnumerateArray()
                .Where(e => e.GetProperty("type").GetString() == "OneOffEnded").Select(e => e.GetProperty("detail").GetString()!).ToList(),
            e => e.Count > 0, Takeover, "the run's end journaled");
        Assert.Equal(["one-off-1 exited (exit code 5)"], ended);
        await OnlyRunningContainerAsync(app, "v1");
        var late = await second.Cli("run", "stop", $"{app}/one-off-1");
        Assert.True(late.ExitCode == 1 && late.Stderr.Contains("has ended (exited)"), late.ToString());
    }

    [Fact]
    public async Task When_the_owner_is_killed_while_new_containers_start_the_deployment_ends_aborted_and_leaves_no_stray_container()
    {
        await using var cluster = await TestCluster.StartAsync(postgres);
        // A start timeout far beyond the test: the owner cannot end `starting` by itself before it is killed.
        var nodes = await TwoControlNodesAsync(cluster, startTimeout: 600);
        var app = nodes.First.NewApp("fostart");
        using var v1 = new AppDir();
        await nodes.First.DeployAsync(v1, app);
        var (owner, second, _) = await nodes.OwnerOfAsync(app);

        // v2's web process never listens: the deployment stays `starting` until its owner dies.
        using var v2 = new AppDir("web: sleep 600\n");
        var deploy = owner.Cli("deploy", v2.Path, "--app", app);
        var deployment = $"{app}-v2";
        await owner.WaitForStatus(deployment, "starting");
        await owner.KillAsync();
        await deploy;

        // A start cannot be resumed on another node: the new owner aborts it, removes its containers, keeps v1 routed.
        Assert.Equal("aborted", await second.WaitForStatus(deployment, DeploymentStatus.IsTerminal, "an end on the new owner"));
        var view = (await second.Cli("deployment", "show", deployment, "--json")).Json;
        Assert.StartsWith("the node that ran it stopped (a restart or a failover) while the deployment was starting",
            view.GetProperty("error").GetString());
        // The journal: the deployment went no further than `starting` before it was aborted.
        var statuses = (await second.Cli("audit", app, "--json")).Json.EnumerateArray()
            .Where(e => e.GetProperty("persistence_id").GetString() == $"deployment-{deployment}"
                        && e.TryGetProperty("status", out var st) && st.ValueKind == System.Text.Json.JsonValueKind.String)
            .Select(e => e.GetProperty("status").GetString()!).ToList();
        Assert.Equal(["queued", "building", "pushing", "starting", "aborted"], statuses);
        Assert.Equal((HttpStatusCode.OK, $"version v1 of {app}"), await second.Get(app));
        await OnlyRunningContainerAsync(app, "v1");
    }

    [Fact]
    public async Task After_a_whole_cluster_restart_during_the_hook_the_deployment_waits_for_the_worker_and_re_attaches()
    {
        await using var cluster = await TestCluster.StartAsync(postgres);
        var control = await cluster.StartNodeAsync("control,router", "--docker-host", "unix:///nonexistent/docker.sock");
        var worker = await cluster.StartNodeAsync("worker");
        await TestCluster.AllUpAsync(control, 3);
        var app = control.NewApp("fowait");
        using var counter = new HookCounter();
        var (deploy, deployment) = await DeployUntilTheHookRunsAsync(counter, control, app);

        // Every process killed; the control node comes back first, the worker only once the deployment waits for it.
        await cluster.KillAllAsync();
        await deploy;
        await cluster.RestartLighthouseAsync();
        await control.RestartAsync();
        await Eventually.Until(() => control.Cli("deployment", "logs", deployment),
            r => r.Stdout.Contains("waiting up to 20 s for a worker node to come up"), Within, "the deployment to wait for a worker");
        await worker.RestartAsync();

        Assert.Equal("success", await control.WaitForStatus(deployment, DeploymentStatus.IsTerminal, "an end"));
        Assert.Equal(1, counter.Hits);
        Assert.Contains("re-attached", (await control.Cli("deployment", "logs", deployment)).Stdout);
        Assert.Equal((HttpStatusCode.OK, $"version v2 of {app}"), await control.Get(app));
        await OnlyRunningContainerAsync(app, "v2");
    }

    /// <summary>Deploys v1 of the app, then v2 with a hook that prints two lines, knocks on <paramref name="counter"/>,
    /// sleeps 10 s and prints a third; returns once it knocked, with v2's CLI call (it ends when the deployment does) and id.</summary>
    private static async Task<(Task<CliResult> Deploy, string Deployment)> DeployUntilTheHookRunsAsync(HookCounter counter, EngineNode node,
        string app)
    {
        using var v1 = new AppDir();
        await node.DeployAsync(v1, app);
        var v2 = AppDir.WithHook($"echo before-1 && echo before-2 && {counter.Hook} && sleep 10 && echo after-1");
        var deploy = node.Cli("deploy", v2.Path, "--app", app);
        var deployment = $"{app}-v2";
        await node.WaitForStatus(deployment, "running-hook");
        await Eventually.Until(() => Task.FromResult(counter.Hits), n => n == 1, Within, "the hook to start");
        return (deploy.ContinueWith(t => { v2.Dispose(); return t.Result; }), deployment);
    }

    /// <summary>A web process whose /cgi-bin/slow answers after 15 s: a request to it holds the switch away from its
    /// version in the drain, long enough to kill the owner there.</summary>
    private const string SlowWeb = """
        web: mkdir -p /tmp/www/cgi-bin && echo "version $CONTAINER_VERSION of $APP" > /tmp/www/index.html && printf '#!/bin/sh\nsleep 15\necho "Content-Type: text/plain"\necho\necho "slow answer from %s"\n' "$CONTAINER_VERSION" > /tmp/www/cgi-bin/slow && chmod +x /tmp/www/cgi-bin/slow && exec httpd -f -p "127.0.0.1:$PORT" -h /tmp/www

        """;

    [Fact]
    public async Task When_the_owner_is_killed_during_the_switch_the_new_owner_completes_it_and_only_the_new_version_is_left()
    {
        await using var cluster = await TestCluster.StartAsync(postgres);
        var nodes = await TwoControlNodesAsync(cluster);
        var app = nodes.First.NewApp("foswitch");
        using var version = new AppDir(SlowWeb);
        await nodes.First.DeployAsync(version, app);
        var (owner, second, _) = await nodes.OwnerOfAsync(app);

        // In flight to v1 through the router that survives: the switch to v2 waits for it to drain.
        var slow = second.Get(app, "/cgi-bin/slow");
        File.WriteAllText(Path.Combine(version.Path, "revision"), "2");
        var deploy = owner.Cli("deploy", version.Path, "--app", app);
        var deployment = $"{app}-v2";
        await owner.WaitForStatus(deployment, "switching");
        await owner.KillAsync();
        await deploy;

        // Past the hook the switch is committed: the new owner finishes it.
        Assert.Equal("success", await second.WaitForStatus(deployment, DeploymentStatus.IsTerminal, "an end on the new owner"));
        Assert.Equal((HttpStatusCode.OK, "slow answer from v1"), await slow);
        Assert.Equal((HttpStatusCode.OK, $"version v2 of {app}"), await second.Get(app));
        await OnlyRunningContainerAsync(app, "v2");
    }

    [Fact]
    public async Task After_every_process_of_the_cluster_is_killed_and_started_again_every_app_serves_its_last_successful_version()
    {
        await using var cluster = await TestCluster.StartAsync(postgres);
        var (first, second, _, _) = await TwoControlNodesAsync(cluster);
        var apps = new[] { first.NewApp("whole"), first.NewApp("whole") };
        using var good = new AppDir();
        using var bad = AppDir.WithHook("exit 4");
        foreach (var app in apps) await first.DeployAsync(good, app);
        await first.DeployAsync(good, apps[0]);
        var (status, error) = await first.DeployFailingAsync(bad, apps[1]);
        Assert.Equal("hook-error", status);
        Assert.Contains("exited with code 4", error);

        await cluster.KillAllAsync();
        await cluster.RestartAllAsync();

        var expected = new[] { (apps[0], "v2", new[] { "success", "success" }), (apps[1], "v1", ["success", "hook-error"]) };
        foreach (var (app, version, ends) in expected)
        {
            foreach (var router in new[] { first, second })
            {
                await Eventually.Until(() => router.Get(app), r => r.Status == HttpStatusCode.OK, Within, $"{app} to be served");
                Assert.Equal($"version {version} of {app}", (await router.Get(app)).Body);
            }
            var statuses = (await first.Cli("deployments", app, "--json")).Json.EnumerateArray().Select(d => d.GetProperty("status").GetString());
            Assert.Equal(ends, statuses);
            await OnlyRunningContainerAsync(app, version);
        }
    }

    [Fact]
    public async Task A_frozen_owner_is_downed_and_once_resumed_shuts_itself_down_instead_of_owning_the_apps_again()
    {
        await using var cluster = await TestCluster.StartAsync(postgres);
        var nodes = await TwoControlNodesAsync(cluster);
        var app = nodes.First.NewApp("frozen");
        await nodes.First.CliOk("env", "set", app, "A=1");
        using var dir = new AppDir();
        await nodes.First.DeployAsync(dir, app);
        var (first, second, secondAddress) = await nodes.OwnerOfAsync(app);

        await first.SignalAsync(freeze: true);
        try
        {
            await Eventually.Until(() => second.Cli("cluster", "show", "--json"), r => Owns(r, app, secondAddress), Takeover,
                "the other node to own the app while its owner is frozen");
            await second.CliOk("env", app);
        }
        finally
        {
            await first.SignalAsync(freeze: false);
        }

        // Resumed, it learns it was downed and stops, with an exit code that makes a supervisor start it again.
        Assert.Equal(3, await first.WaitForExitAsync(Takeover));
        Assert.Contains("error: stopped: the cluster downed this node (unreachable for too long), so it does not act as a second owner", first.Output);
        await second.CliOk("env", "set", app, "B=2");
        var env = (await second.Cli("env", app, "--json")).Json;
        Assert.Equal(("1", "2"), (env.GetProperty("A").GetString(), env.GetProperty("B").GetString()));
        var members = (await second.Cli("cluster", "show", "--json")).Json.GetProperty("members").EnumerateArray();
        Assert.Equal(3, members.Count(m => m.GetProperty("status").GetString() == "up"));
    }

    [Fact]
    public async Task When_the_worker_is_killed_during_a_deployment_it_ends_aborted_and_names_the_lost_worker()
    {
        await using var cluster = await TestCluster.StartAsync(postgres);
        var control = await cluster.StartNodeAsync("control,router", "--docker-host", "unix:///nonexistent/docker.sock",
            "--start-timeout", "120");
        var worker = await cluster.StartNodeAsync("worker");
        var workerAddress = (await worker.Cli("cluster", "show", "--json")).Json.GetProperty("self").GetString()!;
        await TestCluster.AllUpAsync(control, 3);
        var app = control.NewApp("foworker");
        try
        {
            // Its web process listens only after a minute: the deployment waits in `starting` on the worker.
            using var slow = new AppDir("web: sleep 60 && sh /app/web.sh\n");
            var deploy = control.Cli("deploy", slow.Path, "--app", app);
            var deployment = $"{app}-v1";
            await control.WaitForStatus(deployment, "starting");
            var clock = Stopwatch.StartNew();
            await worker.KillAsync();
            var result = await deploy;
            output.WriteLine($"worker loss: killed the worker during `starting`; the deployment ended after {clock.Elapsed.TotalSeconds:0.0} s");

            Assert.True(result.ExitCode == 1, result.ToString());
            var view = (await control.Cli("deployment", "show", deployment, "--json")).Json;
            Assert.Equal("aborted", view.GetProperty("status").GetString());
            Assert.StartsWith($"its worker {workerAddress} left the cluster while the deployment was starting",
                view.GetProperty("error").GetString());
        }
        finally
        {
            // Docker outlives the killed worker: its container of the app is left for this test to remove.
            await DockerProbe.RemoveAppAsync(app);
        }
    }

    /// <summary>Waits until the app has exactly one container, running, of the given version: no stray one left.</summary>
    private static Task OnlyRunningContainerAsync(string app, string version) =>
        Eventually.Until(() => DockerProbe.ContainersOf(app), c => c.Count == 1 && c.All(x => x.Version == version && x.State == "running"),
            Within, $"only {app}'s running {version} container to remain");

    private static string[] Names(System.Text.Json.JsonElement ps) =>
        [.. ps.EnumerateArray().Select(c => c.GetProperty("name").GetString()!).Order()];
}
