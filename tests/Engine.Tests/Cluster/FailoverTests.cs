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

    [Fact]
    public async Task When_the_owner_is_killed_another_control_node_owns_and_serves_the_apps_with_their_env_and_history()
    {
        await using var cluster = await TestCluster.StartAsync(postgres);
        var first = await cluster.StartNodeAsync("control,router,worker");
        var second = await cluster.StartNodeAsync("control,router,worker");
        var firstAddress = (await first.Cli("cluster", "show", "--json")).Json.GetProperty("self").GetString()!;
        var secondAddress = (await Eventually.Until(() => second.Cli("cluster", "show", "--json"),
            r => r.ExitCode == 0 && r.Json.GetProperty("members").EnumerateArray().Count(m => m.GetProperty("status").GetString() == "up") == 3,
            TestCluster.Within, "both engine nodes and the lighthouse up")).Json.GetProperty("self").GetString()!;

        var app = first.NewApp("fo");
        Assert.Equal(0, (await first.Cli("env", "set", app, "GREETING=still here")).ExitCode);
        using var dir = new AppDir();
        await first.DeployAsync(dir, app);
        var containers = (await first.Cli("ps", app, "--json")).Json;
        Assert.Equal($"version v1 of {app}", (await first.Get(app)).Body);
        Assert.Equal(firstAddress, (await second.Cli("cluster", "show", "--json")).Json.GetProperty("apps_owner").GetString());

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

    private static string[] Names(System.Text.Json.JsonElement ps) =>
        [.. ps.EnumerateArray().Select(c => c.GetProperty("name").GetString()!).Order()];
}
