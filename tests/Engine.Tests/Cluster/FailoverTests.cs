using System.Diagnostics;
using System.Net;
using Engine.Tests.Support;
using Xunit.Abstractions;

namespace Engine.Tests.Cluster;

/// <summary>The point of the cluster: when the node that owns the apps dies, another control node takes them over from
/// the shared journal and serves them, with their env and history.</summary>
[Collection(PostgresCollection.Name)]
public sealed class FailoverTests(PostgresServer postgres, ITestOutputHelper output)
{
    /// <summary>What the issue asks of failover; the split-brain resolver's settings in EngineHost make it possible.</summary>
    private static readonly TimeSpan Takeover = TimeSpan.FromSeconds(30);

    /// <summary>Two control+router+worker nodes behind a Lighthouse, all up; the first one started owns the apps.</summary>
    private static async Task<(EngineNode First, EngineNode Second, string FirstAddress, string SecondAddress)> TwoControlNodesAsync(
        TestCluster cluster)
    {
        var first = await cluster.StartNodeAsync("control,router,worker", "--start-timeout", "20");
        var second = await cluster.StartNodeAsync("control,router,worker", "--start-timeout", "20");
        var firstAddress = (await first.Cli("cluster", "show", "--json")).Json.GetProperty("self").GetString()!;
        var show = await Eventually.Until(() => second.Cli("cluster", "show", "--json"),
            r => r.ExitCode == 0 && r.Json.GetProperty("members").EnumerateArray().Count(m => m.GetProperty("status").GetString() == "up") == 3,
            TestCluster.Within, "both engine nodes and the lighthouse up");
        Assert.Equal(firstAddress, show.Json.GetProperty("apps_owner").GetString());
        return (first, second, firstAddress, show.Json.GetProperty("self").GetString()!);
    }

    [Fact]
    public async Task When_the_owner_is_killed_another_control_node_owns_and_serves_the_apps_with_their_env_and_history()
    {
        await using var cluster = await TestCluster.StartAsync(postgres);
        var (first, second, _, secondAddress) = await TwoControlNodesAsync(cluster);

        var app = first.NewApp("fo");
        Assert.Equal(0, (await first.Cli("env", "set", app, "GREETING=still here")).ExitCode);
        using var dir = new AppDir();
        await first.DeployAsync(dir, app);
        var containers = (await first.Cli("ps", app, "--json")).Json;
        Assert.Equal($"version v1 of {app}", (await first.Get(app)).Body);

        var clock = Stopwatch.StartNew();
        await first.KillAsync();
        await Eventually.Until(() => second.Cli("cluster", "show", "--json"),
            r => r.ExitCode == 0 && r.Json.GetProperty("apps_owner").GetString() == secondAddress, Takeover, "the second node to own the apps");
        var owned = clock.Elapsed;
        await Eventually.Until(() => second.Get(app), r => r.Status == HttpStatusCode.OK, Takeover - owned, "the second node's router to serve the app");
        output.WriteLine($"killed the owner: the other node was the oldest control node after {owned.TotalSeconds:0.0} s and served the app after {clock.Elapsed.TotalSeconds:0.0} s");

        Assert.Equal($"version v1 of {app}", (await second.Get(app)).Body);
        var env = await second.Cli("env", app, "--json");
        Assert.Equal("still here", env.Json.GetProperty("GREETING").GetString());
        var deployments = (await second.Cli("deployments", app, "--json")).Json;
        Assert.Equal(["success"], deployments.EnumerateArray().Select(d => d.GetProperty("status").GetString()));
        // The same containers: the new owner found those the dead one started, and started none of its own.
        Assert.Equal(Names(containers), Names((await second.Cli("ps", app, "--json")).Json));
    }

    [Fact]
    public async Task When_the_owner_is_killed_during_the_hook_the_new_owner_finishes_the_deployment_without_running_the_hook_again()
    {
        await using var cluster = await TestCluster.StartAsync(postgres);
        var (first, second, _, _) = await TwoControlNodesAsync(cluster);
        var app = first.NewApp("fohook");
        using var v1 = new AppDir();
        await first.DeployAsync(v1, app);

        // The hook records each run on a counter the test serves on loopback (containers use host networking).
        using var counter = new HttpListener();
        var port = Engine.Containers.FreePorts.Take(1)[0];
        counter.Prefixes.Add($"http://127.0.0.1:{port}/");
        counter.Start();
        var runs = 0;
        var counting = Task.Run(async () =>
        {
            while (counter.IsListening)
            {
                var context = await counter.GetContextAsync();
                Interlocked.Increment(ref runs);
                context.Response.Close();
            }
        });
        using var v2 = AppDir.WithHook($"wget -q -O /dev/null http://127.0.0.1:{port}/run && sleep 10");
        var deploy = first.Cli("deploy", v2.Path, "--app", app);
        var deployment = $"{app}-v2";
        await first.WaitForStatus(deployment, "running-hook");
        await Eventually.Until(() => Task.FromResult(Volatile.Read(ref runs)), n => n == 1, TestCluster.Within, "the hook to start");
        await first.KillAsync();
        await deploy;

        Assert.Equal("success", await second.WaitForStatus(deployment, s => s is "success" or "aborted" or "hook-error", "an end on the new owner"));
        Assert.Equal((HttpStatusCode.OK, $"version v2 of {app}"), await second.Get(app));
        Assert.Equal(1, Volatile.Read(ref runs));
        Assert.Contains("re-attached", (await second.Cli("deployment", "logs", deployment)).Stdout);
        // The deployment's own events (the app's DeploymentEnded repeats the final status).
        var statuses = (await second.Cli("audit", app, "--json")).Json.EnumerateArray()
            .Where(e => e.GetProperty("persistence_id").GetString() != $"app-{app}" && e.TryGetProperty("deployment", out var d)
                        && d.GetString() == deployment && e.TryGetProperty("status", out var st) && st.ValueKind == System.Text.Json.JsonValueKind.String)
            .Select(e => e.GetProperty("status").GetString()!).ToList();
        Assert.Equal(statuses.Distinct(), statuses);
        Assert.Equal("success", statuses[^1]);
        await Eventually.Until(() => DockerProbe.ContainersOf(app), c => c.All(x => x.Version == "v2" && x.Type == "web"),
            TestCluster.Within, "only v2's web container to remain");
        counter.Stop();
        await Task.WhenAny(counting);
    }

    private static string[] Names(System.Text.Json.JsonElement ps) =>
        [.. ps.EnumerateArray().Select(c => c.GetProperty("name").GetString()!).Order()];
}
