using System.Diagnostics;
using Engine.Containers;

namespace Engine.Bench;

/// <summary>The router's peer: Debian's nginx as a plain proxy_pass with upstream keep-alive, no access log.</summary>
public sealed class NginxProxy : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _dir;

    public int Port { get; }
    public int Pid => _process.Id;

    private NginxProxy(Process process, string dir, int port) => (_process, _dir, Port) = (process, dir, port);

    public static async Task<NginxProxy> StartAsync(int upstreamPort)
    {
        var dir = Directory.CreateTempSubdirectory("engine-bench-nginx-").FullName;
        var port = FreePorts.Take(1)[0];
        File.WriteAllText(Path.Combine(dir, "nginx.conf"), $$"""
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
        var psi = new ProcessStartInfo("nginx") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "-p", dir, "-c", Path.Combine(dir, "nginx.conf") }) psi.ArgumentList.Add(a);
        var process = Process.Start(psi)!;
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!await FreePorts.AcceptsAsync(port, CancellationToken.None))
        {
            if (process.HasExited) throw new InvalidOperationException($"nginx exited with {process.ExitCode}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException("nginx did not listen within 20 s");
            await Task.Delay(50);
        }
        return new NginxProxy(process, dir, port);
    }

    /// <summary>CPU of the master and its workers.</summary>
    public TimeSpan CpuTime()
    {
        var children = File.Exists($"/proc/{Pid}/task/{Pid}/children")
            ? File.ReadAllText($"/proc/{Pid}/task/{Pid}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse)
            : [];
        return children.Aggregate(Shell.CpuTime(Pid), (sum, child) => sum + Shell.CpuTime(child));
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        Directory.Delete(_dir, recursive: true);
    }
}
