using System.Text.RegularExpressions;

namespace Engine.Bench;

/// <summary>A fast static upstream made offline: the host's nginx binary and the libraries `ldd` names, on the busybox
/// base, serving one small file on $PORT. busybox httpd forks per request and would be the bottleneck.</summary>
public sealed partial class StaticNginxApp : IDisposable
{
    private const string StartScript = """
        #!/bin/sh
        mkdir -p /tmp/ngx
        cat > /tmp/ngx/nginx.conf <<EOF
        user root;
        worker_processes 1;
        error_log stderr;
        pid /tmp/ngx/nginx.pid;
        daemon off;
        events { worker_connections 4096; }
        http {
          access_log off;
          client_body_temp_path /tmp/ngx/body;
          proxy_temp_path /tmp/ngx/proxy;
          fastcgi_temp_path /tmp/ngx/fastcgi;
          uwsgi_temp_path /tmp/ngx/uwsgi;
          scgi_temp_path /tmp/ngx/scgi;
          server { listen 127.0.0.1:$PORT; root /app/www; }
        }
        EOF
        exec /usr/sbin/nginx -p /tmp/ngx -c /tmp/ngx/nginx.conf
        """;

    public string Path { get; } = Directory.CreateTempSubdirectory("engine-bench-static-").FullName;

    public static async Task<StaticNginxApp> CreateAsync()
    {
        var app = new StaticNginxApp();
        var rootfs = app.Combine("rootfs");
        var ldd = (await Shell.RunAsync("ldd", ["/usr/sbin/nginx"], TimeSpan.FromSeconds(10))).EnsureSuccess("ldd");
        var files = LibraryPath().Matches(ldd.Stdout).Select(m => m.Groups[1].Value).Append("/usr/sbin/nginx");
        foreach (var file in files)
        {
            var target = System.IO.Path.Combine(rootfs, file.TrimStart('/'));
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
        }
        Directory.CreateDirectory(app.Combine("www"));
        File.WriteAllText(app.Combine("www/index.html"), "static upstream\n");
        File.WriteAllText(app.Combine("start.sh"), StartScript.Replace("\r\n", "\n") + "\n");
        File.WriteAllText(app.Combine("Dockerfile"), "FROM busybox\nCOPY rootfs/ /\nCOPY www /app/www\nCOPY start.sh /app/\n");
        File.WriteAllText(app.Combine("Procfile"), "web: sh /app/start.sh\n");
        return app;
    }

    private string Combine(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Absolute paths in `ldd` output: `libz.so.1 => /lib/x86_64-linux-gnu/libz.so.1 (0x…)` and the loader.</summary>
    [GeneratedRegex(@"(/[^\s]+) \(0x", RegexOptions.Multiline)]
    private static partial Regex LibraryPath();

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
