using System.Collections.Concurrent;
using System.Diagnostics;
using Engine.Containers;

namespace Engine.Bench;

/// <summary>A peer proxy of the router run as a child process from a config in its own temp dir: the part nginx, HAProxy
/// and Caddy share (a free loopback port, waiting until it answers, its CPU, cleanup).</summary>
public abstract class ProxyPeer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _dir;

    public int Port { get; }
    public int Pid => _process.Id;

    protected ProxyPeer(Launched launched) => (_process, _dir, Port) = (launched.Process, launched.Dir, launched.Port);

    protected sealed record Launched(Process Process, string Dir, int Port);

    /// <summary>A temp dir for the config and a loopback port free right now for the proxy to listen on.</summary>
    protected static (string Dir, int Port) Prepare(string name) =>
        (Directory.CreateTempSubdirectory($"engine-bench-{name}-").FullName, FreePorts.Take(1)[0]);

    /// <summary>Writes the config into the dir and returns its path; it ends in a newline, as HAProxy requires.</summary>
    protected static string WriteConfig(string dir, string name, string text)
    {
        var path = Path.Combine(dir, name);
        File.WriteAllText(path, text + "\n");
        return path;
    }

    /// <summary>Starts the proxy and returns once it accepts on the port; on failure nothing is left behind.</summary>
    protected static async Task<Launched> LaunchAsync(string file, IEnumerable<string> args, string dir, int port,
        IDictionary<string, string>? env = null)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (env is not null) foreach (var (k, v) in env) psi.Environment[k] = v;
        Process? process = null;
        try
        {
            process = Process.Start(psi)!;
            // Both pipes are drained so the proxy never blocks on them; the first lines say why a config was refused.
            var firstErrors = new ConcurrentQueue<string>();
            process.ErrorDataReceived += (_, e) => { if (e.Data is { } line && firstErrors.Count < 20) firstErrors.Enqueue(line); };
            process.OutputDataReceived += (_, _) => { };
            process.BeginErrorReadLine();
            process.BeginOutputReadLine();
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
            while (!await FreePorts.AcceptsAsync(port, CancellationToken.None))
            {
                if (process.HasExited)
                {
                    await process.WaitForExitAsync(); // the pipes' last lines
                    throw new InvalidOperationException($"{file} exited with {process.ExitCode}: {string.Join(" | ", firstErrors)}");
                }
                if (DateTime.UtcNow > deadline) throw new TimeoutException($"{file} did not listen within 20 s");
                await Task.Delay(50);
            }
            return new Launched(process, dir, port);
        }
        catch
        {
            if (process is { HasExited: false })
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }
            Directory.Delete(dir, recursive: true);
            throw;
        }
    }

    /// <summary>CPU of the process (all its threads) and its children (nginx's workers).</summary>
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
