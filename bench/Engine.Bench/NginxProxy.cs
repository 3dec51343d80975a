namespace Engine.Bench;

/// <summary>The router's peer: Debian's nginx as a plain proxy_pass with upstream keep-alive, no access log.</summary>
public sealed class NginxProxy : ProxyPeer
{
    private NginxProxy(Launched launched) : base(launched) { }

    public static async Task<NginxProxy> StartAsync(int upstreamPort)
    {
        var (dir, port) = Prepare("nginx");
        var config = WriteConfig(dir, "nginx.conf", $$"""
            worker_processes auto;
            error_log stderr;
            pid {{dir}}/nginx.pid;
            daemon off;
            events { worker_connections 4096; }
            http {
              access_log off;
              client_body_temp_path {{dir}}/body;
              proxy_temp_path {{dir}}/proxy;
              fastcgi_temp_path {{dir}}/fastcgi;
              uwsgi_temp_path {{dir}}/uwsgi;
              scgi_temp_path {{dir}}/scgi;
              upstream app { server 127.0.0.1:{{upstreamPort}}; keepalive 64; }
              server {
                listen 127.0.0.1:{{port}};
                location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection ""; }
              }
            }
            """);
        return new NginxProxy(await LaunchAsync("nginx", ["-p", dir, "-c", config], dir, port));
    }
}
