using Engine.Containers;
using Engine.Tests.Support;
using static Engine.Tests.Support.Deadlines;

namespace Engine.Tests.Lighthouse;

/// <summary>The seed node as real processes on loopback: it forms a cluster, logs who joins and leaves, leaves
/// gracefully on SIGTERM, and refuses bad settings with one line.</summary>
public sealed class LighthouseProcessTests
{
    private static Dictionary<string, string> Env(int port, string seeds = "") => new()
    {
        ["CLUSTER_IP"] = "127.0.0.1",
        ["CLUSTER_PORT"] = port.ToString(),
        ["CLUSTER_SEEDS"] = seeds,
    };

    [Fact]
    public async Task Two_lighthouses_form_one_cluster_and_SIGTERM_leaves_it_gracefully()
    {
        var ports = FreePorts.Take(2);
        var first = $"akka.tcp://engine@127.0.0.1:{ports[0]}";
        var second = $"akka.tcp://engine@127.0.0.1:{ports[1]}";
        // The first has no seeds: it adds itself and forms the cluster alone.
        await using var a = LighthouseProcess.Start(Env(ports[0]));
        await a.WaitForOutputAsync($"member up: {first} (roles: lighthouse)", Within);
        // The second names only the first: it adds itself after it and joins.
        await using var b = LighthouseProcess.Start(Env(ports[1], first));
        await a.WaitForOutputAsync($"member up: {second} (roles: lighthouse)", Within);
        await b.WaitForOutputAsync($"member up: {first} (roles: lighthouse)", Within);

        await b.TerminateAsync();
        Assert.Equal(0, await b.WaitForExitAsync(Within));
        // A graceful leave goes through Exiting; a crashed node would be downed and removed as Down.
        await a.WaitForOutputAsync($"member removed: {second} (was Exiting)", Within);
        Assert.DoesNotContain($"member unreachable: {second}", a.Output);
    }

    [Theory]
    [InlineData("CLUSTER_SEEDS", "not-an-address", "CLUSTER_SEEDS entry 'not-an-address' is not a cluster address (expected akka.tcp://engine@HOST:PORT)")]
    [InlineData("CLUSTER_SEEDS", "akka.tcp://other@127.0.0.1:4053",
        "CLUSTER_SEEDS entry 'akka.tcp://other@127.0.0.1:4053' names actor system 'other', but the cluster's is 'engine'")]
    [InlineData("CLUSTER_PORT", "http", "CLUSTER_PORT 'http' is not a port number (1-65535)")]
    [InlineData("ACTORSYSTEM", "no spaces", "ACTORSYSTEM 'no spaces' is not a valid actor system name")]
    public async Task Bad_settings_get_one_clear_line_and_a_non_zero_exit(string variable, string value, string expected)
    {
        var env = Env(FreePorts.Take(1)[0]);
        env[variable] = value;
        var (code, output) = await LighthouseProcess.RunToExitAsync(env, Within);
        Assert.Equal(2, code);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal($"lighthouse: {expected}", Assert.Single(lines));
    }
}
