using Akka.Actor;
using Lighthouse;

namespace Engine.Cluster;

/// <summary>How a node takes part in the cluster (`Engine:Cluster`, the `--cluster-*`, `--seed-nodes`, `--roles` and
/// `--advertise-host` options, or the Lighthouse-style CLUSTER_IP, CLUSTER_PORT and CLUSTER_SEEDS). With no seeds the
/// node forms a one-node cluster of its own with every role: the single-node engine.</summary>
public sealed class ClusterSettings
{
    public const string SystemName = "engine";
    public const string Control = "control";
    public const string Router = "router";
    public const string Worker = "worker";
    private static readonly string[] KnownRoles = [Control, Router, Worker];

    /// <summary>The address other nodes reach this one at; remoting listens on it.</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>0: any free port (the default for a node with no seeds).</summary>
    public string Port { get; set; } = "0";

    public string Seeds { get; set; } = "";
    public string Roles { get; set; } = $"{Control},{Router},{Worker}";

    /// <summary>Where routers reach this worker's containers.</summary>
    public string AdvertiseHost { get; set; } = "127.0.0.1";

    /// <summary>`FROM-TO`: the ports this worker hands out as web containers' $PORT. The default lies below Linux's
    /// ephemeral range, so outgoing connections never hold one.</summary>
    public string PortRange { get; set; } = "20000-29999";

    /// <summary>A worker's name, the same across its restarts: containers are recorded by it. Default: generated once per
    /// data directory (`worker-name` in it).</summary>
    public string WorkerName { get; set; } = "";

    /// <summary>How many containers this worker runs at most (0: no limit).</summary>
    public int Capacity { get; set; }

    public (int From, int To) ParsedPortRange =>
        PortRange.Split('-', StringSplitOptions.TrimEntries) is [var a, var b] && int.TryParse(a, out var from)
        && int.TryParse(b, out var to) && from is >= 1024 and <= 65535 && to is >= 1024 and <= 65535 && from <= to
            ? (from, to)
            : throw new ArgumentException($"--port-range must be FROM-TO with 1024 <= FROM <= TO <= 65535, got '{PortRange}'");

    /// <summary>How a router reaches a web container of this node that listens on the port (host networking).</summary>
    public string WebEndpoint(int port) => WebEndpoint(AdvertiseHost, port);

    public static string WebEndpoint(string host, int port) => $"http://{host}:{port}";

    public int ParsedPort => int.TryParse(Port, out var port) && port is >= 0 and <= 65535
        ? port : throw new ArgumentException($"--cluster-port must be a port number (0 for any free port), got '{Port}'");

    public IReadOnlyList<Address> SeedAddresses
    {
        get
        {
            try { return ClusterSeeds.Parse(Seeds, SystemName, "--seed-nodes"); }
            catch (FormatException e) { throw new ArgumentException(e.Message); }
        }
    }

    public IReadOnlyList<string> RoleList =>
        Roles.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct().ToList();

    /// <summary>Throws with one line for the operator.</summary>
    public void Check(bool sqliteJournal)
    {
        if (Host.Trim().Length == 0) throw new ArgumentException("--cluster-host must not be empty");
        if (AdvertiseHost.Trim().Length == 0) throw new ArgumentException("--advertise-host must not be empty");
        _ = ParsedPort;
        _ = ParsedPortRange;
        if (WorkerName.Length > 0 && !System.Text.RegularExpressions.Regex.IsMatch(WorkerName, "^[a-z0-9][a-z0-9-]{0,62}$"))
            throw new ArgumentException($"--worker-name must be lowercase letters, digits and '-' (up to 63), got '{WorkerName}'");
        if (Capacity < 0) throw new ArgumentException($"--capacity must be 0 (no limit) or more, got {Capacity}");
        var roles = RoleList;
        if (roles.Count == 0) throw new ArgumentException($"--roles needs at least one of {string.Join(", ", KnownRoles)}");
        if (roles.FirstOrDefault(r => !KnownRoles.Contains(r)) is { } unknown)
            throw new ArgumentException($"--roles: unknown role '{unknown}' (known: {string.Join(", ", KnownRoles)})");
        // Every node of a cluster reads and writes the same apps' history: a file on one host cannot be shared.
        if (SeedAddresses.Count > 0 && sqliteJournal)
            throw new ArgumentException("--seed-nodes joins other engine nodes, which must share one journal: "
                + "use --journal postgres (the SQLite journal is one node's file)");
    }
}
