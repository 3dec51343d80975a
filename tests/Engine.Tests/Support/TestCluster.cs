using Engine.Secrets;
using static Engine.Tests.Support.Deadlines;

namespace Engine.Tests.Support;

/// <summary>A Lighthouse and engine nodes as separate processes on loopback, on one fresh PostgreSQL database and one
/// shared secret key; everything is stopped on dispose, whatever the test did.</summary>
public sealed class TestCluster : IAsyncDisposable
{
    private readonly List<EngineNode> _nodes = [];
    private readonly string _keyFile;
    private readonly int _seedPort;
    private readonly string _peers;

    public LighthouseProcess Lighthouse { get; private set; }
    public string Seed { get; }
    public string Journal { get; }

    private TestCluster(int seedPort, string journal, int[] peerPorts)
    {
        _seedPort = seedPort;
        Seed = $"akka.tcp://engine@127.0.0.1:{seedPort}";
        _peers = string.Join(",", peerPorts.Select(p => $"akka.tcp://engine@127.0.0.1:{p}"));
        Lighthouse = StartLighthouse(_peers);
        Journal = journal;
        _keyFile = Path.Combine(Directory.CreateTempSubdirectory("engine-key-").FullName, "secret.key");
        File.WriteAllText(_keyFile, EnvCipher.NewKey());
    }

    /// <param name="peerPorts">Cluster ports of the nodes the test will start (`--cluster-port`), which the Lighthouse
    /// names after itself, as the README says to: restarted, it asks them before it would form a cluster. None: it
    /// names only itself.</param>
    public static async Task<TestCluster> StartAsync(PostgresServer postgres, params int[] peerPorts)
    {
        var journal = await postgres.NewDatabaseAsync("cluster");
        var seedPort = TestPorts.Take(1)[0];
        var cluster = new TestCluster(seedPort, journal, peerPorts);
        var lighthouse = cluster.Lighthouse;
        try { await lighthouse.WaitForOutputAsync($"member up: {cluster.Seed} (roles: lighthouse)", Within); }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
        return cluster;
    }

    private LighthouseProcess StartLighthouse(string peers) =>
        LighthouseProcess.Start(new Dictionary<string, string>
        {
            ["CLUSTER_IP"] = "127.0.0.1", ["CLUSTER_PORT"] = _seedPort.ToString(),
            ["CLUSTER_SEEDS"] = peers.Length == 0 ? "" : $"{Seed},{peers}",
        });

    /// <summary>kill -9 of every process: the Lighthouse and every node.</summary>
    public async Task KillAllAsync()
    {
        await Lighthouse.DisposeAsync();
        foreach (var node in _nodes) await node.KillAsync();
    }

    /// <summary>The Lighthouse again on its address, then every node on its data dir and ports, in the order first started.</summary>
    public async Task RestartAllAsync()
    {
        await RestartLighthouseAsync();
        foreach (var node in _nodes) await node.RestartAsync();
    }

    /// <summary>The Lighthouse again on its address and seeds (after <see cref="KillAllAsync"/>); <paramref name="alone"/>:
    /// naming only itself, as a seed node configured without its peers would.</summary>
    public async Task RestartLighthouseAsync(bool alone = false)
    {
        Lighthouse = StartLighthouse(alone ? "" : _peers);
        await Lighthouse.WaitForOutputAsync($"member up: {Seed} (roles: lighthouse)", Within);
    }

    /// <summary>The arguments that join a node to this cluster with the given roles (and the cluster's key, unless given).</summary>
    public string[] JoinArgs(string roles, string? keyFile = null) =>
        ["--journal", "postgres", "--journal-connection", Journal, "--seed-nodes", Seed, "--roles", roles, "--secret-key-file", keyFile ?? _keyFile];

    /// <summary>A node on this cluster's journal and key whose only seed is a port nobody listens on: it runs, in no
    /// cluster, until told to join.</summary>
    public async Task<EngineNode> StartUnjoinedNodeAsync(string roles)
    {
        var args = JoinArgs(roles);
        args[Array.IndexOf(args, Seed)] = $"akka.tcp://engine@127.0.0.1:{TestPorts.Take(1)[0]}";
        var node = await EngineNode.StartUnjoinedAsync(args);
        _nodes.Add(node);
        return node;
    }

    public async Task<EngineNode> StartNodeAsync(string roles, params string[] extraArgs)
    {
        var node = await EngineNode.StartAsync([.. JoinArgs(roles), .. extraArgs]);
        _nodes.Add(node);
        return node;
    }

    /// <summary>Waits until the node sees this many members up (the Lighthouse included): each node has its own view,
    /// and a node places deployments only on workers it sees up.</summary>
    public static Task<CliResult> AllUpAsync(EngineNode node, int members) =>
        Eventually.Until(() => node.Cli("cluster", "show", "--json"),
            r => r.ExitCode == 0 && r.Json.GetProperty("members").EnumerateArray().Count(m => m.GetProperty("status").GetString() == "up") == members,
            Within, $"{members} members up as {node.AdminUrl} sees them");

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes) await node.DisposeAsync();
        await Lighthouse.DisposeAsync();
        Directory.Delete(Path.GetDirectoryName(_keyFile)!, recursive: true);
    }
}
