namespace Engine.Bench;

/// <summary>A peer of the router: Debian's Caddy as a plain reverse_proxy over HTTP with upstream keep-alive, no logs.</summary>
public sealed class CaddyProxy : ProxyPeer
{
    private CaddyProxy(Launched launched) : base(launched) { }

    public static async Task<CaddyProxy> StartAsync(int upstreamPort)
    {
        var (dir, port) = Prepare("caddy");
        var config = WriteConfig(dir, "Caddyfile", $$"""
            {
              # No admin API on :2019: nothing reconfigures this throwaway instance.
              admin off
              # Plain HTTP on its port only: no certificates, no redirect listener on :80.
              auto_https off
              # No process log (access logs are off unless a site asks for them), as nginx's access_log off.
              log {
                output discard
              }
            }

            http://127.0.0.1:{{port}} {
              # Loopback only: the site address alone is a Host match and would listen on every interface.
              bind 127.0.0.1
              reverse_proxy 127.0.0.1:{{upstreamPort}} {
                transport http {
                  # Idle upstream connections for all of wrk's 64 (Caddy keeps 32), as nginx's keepalive 64.
                  keepalive_idle_conns_per_host 64
                }
              }
            }
            """);
        // Caddy's data and autosaved config go into the temp dir, not the user's home.
        var env = new Dictionary<string, string> { ["XDG_DATA_HOME"] = dir, ["XDG_CONFIG_HOME"] = dir };
        return new CaddyProxy(await LaunchAsync("caddy", ["run", "--config", config, "--adapter", "caddyfile"], dir, port, env));
    }
}
