using System.Diagnostics;
using System.Text;

namespace Engine.Tests.Support;

/// <summary>A real `lighthouse` seed node process on loopback, configured through its environment variables.</summary>
public sealed class LighthouseProcess : IAsyncDisposable
{
    private static readonly string LighthouseDll = Path.Combine(AppContext.BaseDirectory, "lighthouse.dll");
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private bool _disposed;

    public string Output { get { lock (_output) return _output.ToString(); } }

    private LighthouseProcess(IReadOnlyDictionary<string, string> env)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(LighthouseDll);
        foreach (var (key, value) in env) psi.Environment[key] = value;
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        _process.ErrorDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public static LighthouseProcess Start(IReadOnlyDictionary<string, string> env) => new(env);

    /// <summary>Runs a lighthouse that is expected to refuse its settings: its exit code and what it wrote.</summary>
    public static async Task<(int ExitCode, string Output)> RunToExitAsync(IReadOnlyDictionary<string, string> env, TimeSpan within)
    {
        await using var lighthouse = Start(env);
        var code = await lighthouse.WaitForExitAsync(within);
        lighthouse._process.WaitForExit(); // flushes the redirected output
        return (code, lighthouse.Output);
    }

    public async Task WaitForOutputAsync(string text, TimeSpan within)
    {
        var output = await Eventually.Until(() => Task.FromResult(Output), o => o.Contains(text) || _process.HasExited, within,
            $"'{text}' in the lighthouse's output");
        if (!output.Contains(text)) throw new InvalidOperationException($"the lighthouse exited before '{text}':\n{Output}");
    }

    /// <summary>SIGTERM, as an init system or `docker stop` sends it.</summary>
    public async Task TerminateAsync()
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString()]);
        await kill.WaitForExitAsync();
    }

    public async Task<int> WaitForExitAsync(TimeSpan within)
    {
        using var limit = new CancellationTokenSource(within);
        await _process.WaitForExitAsync(limit.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
