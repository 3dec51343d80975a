namespace Engine.Bench;

/// <summary>A peer of the router: Debian's HAProxy in HTTP mode with keep-alive on both sides, no logging.</summary>
public sealed class HaproxyProxy : ProxyPeer
{
    private HaproxyProxy(Launched launched) : base(launched) { }

    public static async Task<HaproxyProxy> StartAsync(int upstreamPort)
    {
        var (dir, port) = Prepare("haproxy");
        var config = WriteConfig(dir, "haproxy.cfg", $$"""
            global
              # One thread per core of the bench machine (2), as nginx's worker_processes auto is one worker per core.
              nbthread 2
              # Room for every connection at once, as nginx's worker_connections 4096.
              maxconn 4096
              # No log line anywhere: HAProxy logs nothing, as nginx's access_log off.

            defaults
              mode http
              # Keep client and upstream connections open between requests, as nginx's keepalive 64 does upstream.
              option http-keep-alive
              # Idle upstream connections serve any client, as nginx's keepalive pool does; safe for GETs of one page.
              http-reuse always
              # HAProxy warns without them; a minute outlasts a slow forking upstream under load.
              timeout connect 5s
              timeout client 60s
              timeout server 60s

            frontend bench
              bind 127.0.0.1:{{port}}
              default_backend app

            backend app
              server app 127.0.0.1:{{upstreamPort}}
            """);
        // -db: stay in the foreground as one process (no master-worker), so its CPU is this process's.
        return new HaproxyProxy(await LaunchAsync("haproxy", ["-db", "-f", config], dir, port));
    }
}
