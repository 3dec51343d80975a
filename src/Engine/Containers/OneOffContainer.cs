using Engine.Protocol;

namespace Engine.Containers;

/// <summary>The one-off container of the postdeploy hook and of `engine run`: one implementation, two callers. It runs
/// a release's image with the app's env and the injected variables, is never restarted, is found again by its labels
/// after its owner restarted, and is waited for within a limit.</summary>
public static class OneOffContainer
{
    /// <summary>How long its last lines may take to arrive once it has exited.</summary>
    private static readonly TimeSpan LogFlushLimit = TimeSpan.FromSeconds(5);

    /// <summary>Started at once; with a <paramref name="terminal"/>, only created: its client attaches, then starts it.</summary>
    public static async Task<string> StartAsync(IContainerRuntime runtime, ContainerSpec spec, Terminal? terminal, CancellationToken ct) =>
        terminal is null ? await runtime.RunAsync(spec, restartAlways: false, ct) : await runtime.CreateAsync(spec, false, terminal, ct);

    /// <summary>The container of <paramref name="spec"/> (its release and slot), or null when it is gone.</summary>
    public static async Task<ContainerSummary?> FindAsync(IContainerRuntime runtime, ContainerSpec spec, CancellationToken ct) =>
        (await runtime.ListAsync(spec.App, ct)).FirstOrDefault(c => c.DeploymentId == spec.DeploymentId && c.Slot == spec.Slot);

    /// <summary>Its exit code, its output lines to <paramref name="output"/> meanwhile; null when <paramref name="limit"/>
    /// passed first: since it started, or with <paramref name="idle"/> since its last line (it is left running).</summary>
    public static async Task<long?> WaitAsync(IContainerRuntime runtime, string id, TimeSpan limit, bool idle,
        Action<string> output, CancellationToken ct)
    {
        var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(limit);
        var lines = runtime.StreamLogsAsync(id, line =>
        {
            if (idle) Rearm(deadline, limit);
            output(line);
        }, ct);
        try
        {
            var code = await runtime.WaitAsync(id, deadline.Token);
            await Task.WhenAny(lines, Task.Delay(LogFlushLimit, ct));
            return code;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested) { return null; }
        finally { deadline.Dispose(); }
    }

    /// <summary>Pushes the idle deadline back; a line that comes after the wait ended changes nothing.</summary>
    private static void Rearm(CancellationTokenSource deadline, TimeSpan limit)
    {
        try { deadline.CancelAfter(limit); }
        catch (ObjectDisposedException) { }
    }
}
