using System.Net;

namespace Engine.Admin;

/// <summary>Which Host names the admin API answers to. A DNS-rebinding page reaches the node under a name its
/// attacker controls; an IP literal or a loopback name cannot be rebound, a configured name is the operator's.</summary>
public sealed class AdminAddress
{
    private static readonly string[] LoopbackNames = ["localhost", "127.0.0.1", "[::1]"];
    private readonly HashSet<string> _names;
    private readonly bool _anyAddress;

    public int Port { get; }

    public AdminAddress(AdminSettings settings)
    {
        var uri = new Uri(settings.AdminUrl);
        Port = uri.Port;
        _names = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { uri.Host };
        foreach (var extra in settings.AdminHosts.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            _names.Add(extra);
        if (IsLoopback(settings.AdminUrl)) _names.UnionWith(LoopbackNames);
        // Bound to every address (0.0.0.0, [::], or a name Kestrel cannot bind to one address): any of the
        // machine's IP literals reaches it, and a token is required there anyway.
        _anyAddress = !IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) ? !IsLoopback(settings.AdminUrl)
            : ip.Equals(IPAddress.Any) || ip.Equals(IPAddress.IPv6Any);
        if (_anyAddress) _names.UnionWith(LoopbackNames);
    }

    public bool Allows(HostString host)
    {
        if (!host.HasValue || (host.Port ?? 80) != Port) return false;
        return _names.Contains(host.Host) || (_anyAddress && IPAddress.TryParse(host.Host.Trim('[', ']'), out _));
    }

    public static bool IsLoopback(string url)
    {
        var host = new Uri(url).Host.Trim('[', ']');
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));
    }
}
