using System.Diagnostics;
using System.Net;
using Engine.Tests.Support;

namespace Engine.Tests.Hosting;

/// <summary>The PostgreSQL journal's server stopped under a running node (a fast shutdown, as an operator's restart does),
/// then started again: the node heals by itself, and a waiting `engine deploy` follows its deployment to the end.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresOutageEndToEndTests(PostgresServer postgres)
{
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task After_30_s_outages_idle_and_during_a_hook_writes_and_deploys_work_again_and_the_waiting_deploy_exits_0()
    {
        var connection = await postgres.NewDatabaseAsync("outage");
        await using var node = await EngineNode.StartAsync("--journal", "postgres", "--journal-connection", connection,
            "--start-timeout", "20", "--stop-grace", "2");
        var app = node.NewApp("pgout");
        using var v1 = new AppDir();
        await node.DeployAsync(v1, app);

        // Idle: nothing is written while the server is down, and the pool's connections die with it.
        await postgres.StopAsync();
        try { await ServesThroughoutAsync(node, app); }
        finally { await postgres.StartAsync(); }
        // Its first write finds no dead connection (was: 57P01, "terminating connection due to administrator command").
        var first = await node.Cli("env", "set", app, "A=1");
        Assert.True(first.ExitCode == 0, first.ToString());

        // During a hook: it ends while its outcome cannot be journaled, and writes are refused meanwhile.
        using var gate = new HookGate();
        using var v2 = AppDir.WithHook(gate.Hook);
        var deploy = node.Cli("deploy", v2.Path, "--app", app);
        await node.WaitForStatus($"{app}-v2", "running-hook");
        await postgres.StopAsync();
        try
        {
            var refused = await node.Cli("env", "set", app, "A=2");
            Assert.True(refused.ExitCode != 0, refused.ToString());
            gate.Open();
            await ServesThroughoutAsync(node, app);
        }
        finally { await postgres.StartAsync(); }

        // The waiting CLI followed the deployment through the outage (was: exit 1, "did not answer in time (HTTP 503)").
        var deployed = await deploy.WaitAsync(Within);
        Assert.True(deployed.ExitCode == 0, deployed.ToString());
        Assert.Contains($"deployment {app}-v2: success", deployed.Stdout);
        // No restart: writes and deploys work again.
        await Eventually.Until(() => node.Cli("env", "set", app, "A=3"), r => r.ExitCode == 0, Within, "env set to work again");
        using var v3 = new AppDir();
        await node.DeployAsync(v3, app);
        Assert.Equal((HttpStatusCode.OK, $"version v3 of {app}"), await node.Get(app));
        Assert.Contains("A=3", (await node.Cli("env", app)).Stdout);
    }

    /// <summary>The outage lasts <see cref="Outage"/>; the routed app answers all along (routes are not journaled).</summary>
    private static async Task ServesThroughoutAsync(EngineNode node, string app)
    {
        var down = Stopwatch.StartNew();
        var last = await Eventually.Until(async () => (await node.Get(app)).Status, s => s != HttpStatusCode.OK || down.Elapsed >= Outage,
            Outage + Within, "the outage to last its length");
        Assert.Equal(HttpStatusCode.OK, last);
    }
}
