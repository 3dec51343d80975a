using Akka.Actor;
using Microsoft.Extensions.Configuration;

namespace Lighthouse;

/// <summary>A seed node's settings, from configuration and the environment variables petabridge/lighthouse users
/// know. Bad values get one line that says which variable and what it should look like.</summary>
public sealed class LighthouseSettings
{
    public const int DefaultPort = 4053;

    /// <summary>The address other nodes reach this one at (default: the host name).</summary>
    [ConfigurationKeyName("CLUSTER_IP")] public string Host { get; set; } = "";

    [ConfigurationKeyName("CLUSTER_PORT")] public string Port { get; set; } = "";

    /// <summary>Comma-separated akka.tcp://SYSTEM@host:port; this node adds itself when it is missing. Listed first, a
    /// seed that restarts asks the others and joins them if any answers; listed after another, it only ever joins.</summary>
    [ConfigurationKeyName("CLUSTER_SEEDS")] public string Seeds { get; set; } = "";

    /// <summary>Must match the engine's actor system name.</summary>
    [ConfigurationKeyName("ACTORSYSTEM")] public string ActorSystem { get; set; } = "engine";

    public string PublicHost => Host.Trim() is { Length: > 0 } host ? host : System.Net.Dns.GetHostName();

    public int ParsedPort => Port.Trim() is { Length: > 0 } text
        ? int.TryParse(text, out var port) && port is > 0 and <= 65535 ? port
            : throw new LighthouseConfigException($"CLUSTER_PORT '{Port}' is not a port number (1-65535)")
        : DefaultPort;

    public Address Self => new("akka.tcp", ActorSystem, PublicHost, ParsedPort);

    /// <summary>The seed list as configured, then this node if it is not in it.</summary>
    public IReadOnlyList<Address> SeedAddresses()
    {
        if (!ActorPath.IsValidPathElement(ActorSystem) || ActorSystem.Contains('.'))
            throw new LighthouseConfigException($"ACTORSYSTEM '{ActorSystem}' is not a valid actor system name");
        List<Address> seeds;
        try { seeds = [.. ClusterSeeds.Parse(Seeds, ActorSystem, "CLUSTER_SEEDS")]; }
        catch (FormatException e) { throw new LighthouseConfigException(e.Message); }
        if (!seeds.Contains(Self)) seeds.Add(Self);
        return seeds;
    }
}

public sealed class LighthouseConfigException(string message) : Exception(message);
