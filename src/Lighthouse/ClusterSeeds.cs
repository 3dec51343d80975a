using Akka.Actor;

namespace Lighthouse;

/// <summary>Seed node lists as operators write them (comma-separated akka.tcp://SYSTEM@HOST:PORT), shared by the
/// Lighthouse and the engine so both accept and refuse the same strings with the same words.</summary>
internal static class ClusterSeeds
{
    /// <param name="setting">How the operator named the setting (e.g. CLUSTER_SEEDS), for the error.</param>
    public static IReadOnlyList<Address> Parse(string seeds, string system, string setting) =>
        seeds.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(seed => ParseOne(seed, system, setting)).ToList();

    private static Address ParseOne(string seed, string system, string setting)
    {
        var invalid = new FormatException($"{setting} entry '{seed}' is not a cluster address (expected akka.tcp://{system}@HOST:PORT)");
        Address address;
        try { address = Address.Parse(seed); }
        catch (Exception e) when (e is UriFormatException or ArgumentException or FormatException) { throw invalid; }
        if (address.Protocol != "akka.tcp" || address.Host is null || address.Port is not (> 0 and <= 65535)) throw invalid;
        if (address.System != system)
            throw new FormatException($"{setting} entry '{seed}' names actor system '{address.System}', but the cluster's is '{system}'");
        return address;
    }
}
