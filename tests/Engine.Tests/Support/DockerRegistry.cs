using System.Diagnostics;
using Engine.Containers;

namespace Engine.Tests.Support;

/// <summary>A throw-away Docker registry (Debian's `docker-registry`) on a free loopback port, with its own config file
/// and storage directory. Docker pushes to and pulls from a loopback registry without TLS settings.</summary>
public sealed class DockerRegistry : IAsyncDisposable
{
    private readonly string _dir;
    private readonly Process _process;

    /// <summary>HOST:PORT, for `engine serve --registry`.</summary>
    public string Address { get; }

    private DockerRegistry(string dir, Process process, string address)
    {
        _dir = dir;
        _process = process;
        Address = address;
    }

    public static async Task<DockerRegistry> StartAsync()
    {
        var dir = Directory.CreateTempSubdirectory("engine-registry-").FullName;
        var address = $"127.0.0.1:{FreePorts.Take(1)[0]}";
        var config = Path.Combine(dir, "config.yml");
        await File.WriteAllTextAsync(config, $"""
            version: 0.1
            log:
              level: warn
            storage:
              filesystem:
                rootdirectory: {Path.Combine(dir, "storage")}
              delete:
                enabled: true
            http:
              addr: {address}
            """);
        var psi = new ProcessStartInfo("docker-registry", ["serve", config]) { RedirectStandardOutput = true, RedirectStandardError = true };
        var process = Process.Start(psi) ?? throw new InvalidOperationException("docker-registry did not start (scripts/ensure-registry.sh installs it)");
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var registry = new DockerRegistry(dir, process, address);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        try
        {
            await Eventually.Until(async () =>
            {
                if (process.HasExited) throw new InvalidOperationException($"docker-registry exited with {process.ExitCode}: {output}");
                try { return (await http.GetAsync($"http://{address}/v2/")).IsSuccessStatusCode; }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { return false; }
            }, up => up, TimeSpan.FromSeconds(30), "the registry to answer on /v2/");
        }
        catch
        {
            await registry.DisposeAsync();
            throw;
        }
        return registry;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
