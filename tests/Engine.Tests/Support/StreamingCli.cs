using System.Diagnostics;

namespace Engine.Tests.Support;

/// <summary>A running CLI whose output lines a test waits on as they come; killed when disposed.</summary>
public sealed class StreamingCli : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly SemaphoreSlim _changed = new(0);
    private string _stderr = "";

    public StreamingCli(ProcessStartInfo start)
    {
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null) return;
            lock (_lines) _lines.Add(e.Data);
            _changed.Release();
        };
        _process.ErrorDataReceived += (_, e) => { lock (_lines) _stderr += e.Data + "\n"; };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public IReadOnlyList<string> Lines { get { lock (_lines) return [.. _lines]; } }

    /// <summary>Waits, woken by each new line, until one matches; fails with what came when the deadline passes.</summary>
    public async Task<string> WaitForLine(Func<string, bool> match, TimeSpan within, string what)
    {
        using var deadline = new CancellationTokenSource(within);
        while (true)
        {
            if (Lines.FirstOrDefault(match) is { } found) return found;
            try { await _changed.WaitAsync(deadline.Token); }
            catch (OperationCanceledException)
            {
                Assert.Fail($"no line {what} within {within.TotalSeconds:0} s; stdout:\n{string.Join("\n", Lines)}\nstderr:\n{_stderr}");
            }
        }
    }

    /// <summary>Waits for the process to end by itself; its exit code.</summary>
    public async Task<int> ExitAsync(TimeSpan within)
    {
        using var deadline = new CancellationTokenSource(within);
        try { await _process.WaitForExitAsync(deadline.Token); }
        catch (OperationCanceledException) { Assert.Fail($"the CLI did not end within {within.TotalSeconds:0} s; stdout:\n{string.Join("\n", Lines)}"); }
        _process.WaitForExit(); // drains the output handlers
        return _process.ExitCode;
    }

    /// <summary>Sends the CLI a signal (INT: as Ctrl-C does), and waits until kill has sent it.</summary>
    public async Task SignalAsync(string name)
    {
        using var kill = Process.Start("kill", [$"-{name}", _process.Id.ToString()]);
        await kill.WaitForExitAsync();
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }
}
