using Engine.Protocol;


namespace Engine.Containers;

/// <summary>Whether containers just started are up (<see cref="ContainerOperationsActor"/>'s StartContainers), asked
/// of this node's Docker engine.</summary>
public sealed class ContainerReadiness(IContainerRuntime runtime)
{
    internal static readonly TimeSpan FirstPause = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan LongestPause = TimeSpan.FromMilliseconds(200);
    private readonly IContainerRuntime _runtime = runtime;

    /// <summary>Web containers are up once they accept TCP, or with <paramref name="checks"/> once they pass them; a
    /// container whose image has a Docker HEALTHCHECK once Docker calls it healthy; when there are non-web ones, every
    /// container must also run for the stability window without exiting (Docker's wait tells the moment one does) or
    /// restarting.</summary>
    public async Task<IDeploymentCommand> WaitUntilUpAsync(Dictionary<ContainerSpec, (string Id, long Restarts)> ids,
        TimeSpan timeout, TimeSpan stabilityWindow, Action<string> log, CancellationToken ct, HealthCheck? checks = null)
    {
        // The last answer of each web container that failed its check, for the error.
        var answers = new Dictionary<string, string>();
        async Task<bool> Serves(ContainerSpec web)
        {
            if (checks is null) return await FreePorts.AcceptsAsync(web.Port!.Value, ct);
            var (passed, answer) = await HttpCheck.ProbeAsync(web.Port!.Value, checks, ct);
            answers[web.Slot] = answer;
            return passed;
        }
        var deadline = DateTime.UtcNow + timeout;
        var window = ids.Keys.Any(s => s.Port is null) ? stabilityWindow : TimeSpan.Zero;
        using var windowEnds = CancellationTokenSource.CreateLinkedTokenSource(ct);
        windowEnds.CancelAfter(window);
        var exited = new TaskCompletionSource();
        var exits = window > TimeSpan.Zero
            ? ids.ToDictionary(kv => kv.Key, kv => ExitWithinAsync(kv.Value.Id, exited, windowEnds.Token, ct))
            : [];
        var stable = Task.WhenAll(exits.Values);
        var pause = FirstPause;
        try
        {
            while (true)
            {
                ct.ThrowIfCancellationRequested();
                foreach (var (spec, exit) in exits)
                    if (exit.IsCompletedSuccessfully && await exit is { } code)
                        return await CrashedAsync(spec, ids[spec].Id,
                            $"exited with code {code} within the {window.TotalSeconds:0.#} s stability window", log, ct);
                // Docker's state and the ports are asked at once: one round trip's time per pass, not one per container.
                var webs = ids.Keys.Where(s => s.Port is not null).ToList();
                var accepting = Task.WhenAll(webs.Select(Serves));
                var states = await Task.WhenAll(ids.Select(async kv => (Spec: kv.Key, kv.Value.Id, kv.Value.Restarts,
                    State: await _runtime.InspectAsync(kv.Value.Id, ct))));
                var accepts = await accepting;
                foreach (var (spec, id, restarts, state) in states)
                {
                    if (state is { Running: true, Restarting: false } && state.RestartCount == restarts) continue;
                    var how = state is null ? "disappeared" : state.RestartCount != restarts ? "restarted" : $"exited with code {state.ExitCode}";
                    return await CrashedAsync(spec, id, $"{how} before it was up", log, ct);
                }
                if (stable.IsFaulted) await stable; // Docker could not be asked: ContainersFailed with its message
                var waiting = webs.Where((_, i) => !accepts[i]).ToList();
                var unhealthy = states.Where(s => s.State!.Health is { } health && health != "healthy").ToList();
                if (waiting.Count == 0 && unhealthy.Count == 0 && stable.IsCompleted)
                {
                    log($"{ids.Count} container(s) up");
                    return new ContainersUp(ids.Keys.ToList(), ids.ToDictionary(p => p.Key.Slot, p => p.Value.Id));
                }
                if ((waiting.Count > 0 || unhealthy.Count > 0) && DateTime.UtcNow > deadline)
                    return new ContainersFailed(DeploymentStatus.TimeoutError, string.Join("; ", new[]
                    {
                        waiting.Count == 0 ? null : checks is null
                            ? $"{string.Join(", ", waiting.Select(s => s.Slot))} did not accept connections on $PORT "
                              + $"({string.Join(", ", waiting.Select(s => s.Port))}) within {timeout.TotalSeconds:0.#} s"
                            : string.Join("; ", waiting.Select(s => $"{s.Slot} did not answer GET {checks.Path} with 2xx or 3xx within "
                              + $"{timeout.TotalSeconds:0.#} s: the last answer was {answers.GetValueOrDefault(s.Slot, "none")}")),
                        unhealthy.Count == 0 ? null : string.Join("; ", unhealthy.Select(s => $"{s.Spec.Slot} was not healthy within "
                            + $"{timeout.TotalSeconds:0.#} s (its image's HEALTHCHECK says {s.State!.Health}"
                            + (s.State.HealthOutput is { Length: > 0 } output ? $": {output}" : "") + ")")),
                    }.Where(m => m is not null)));
                // Web readiness is polled (TCP), soon at first since most apps listen within milliseconds; the window
                // is waited on: its end or the first exit wakes us.
                await Task.WhenAny(waiting.Count > 0 || unhealthy.Count > 0 || stable.IsCompleted ? Task.Delay(pause, ct) : stable, exited.Task);
                pause = NextPause(pause);
            }
        }
        finally
        {
            await windowEnds.CancelAsync(); // ends the Docker waits still open
        }
    }

    /// <summary>The pause between readiness checks: doubles from 10 ms up to 200 ms.</summary>
    internal static TimeSpan NextPause(TimeSpan pause) => pause * 2 < LongestPause ? pause * 2 : LongestPause;

    /// <summary>The exit code if the container exits before the window ends, else null.</summary>
    private async Task<long?> ExitWithinAsync(string id, TaskCompletionSource exited, CancellationToken window, CancellationToken ct)
    {
        try
        {
            var code = await _runtime.WaitAsync(id, window);
            exited.TrySetResult();
            return code;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return null;
        }
    }

    private async Task<ContainersFailed> CrashedAsync(ContainerSpec spec, string id, string how, Action<string> log, CancellationToken ct)
    {
        var tail = await _runtime.TailLogsAsync(id, 20, ct);
        if (tail.Length > 0) foreach (var l in tail.Split('\n')) log($"{spec.Slot}: {l}");
        return new ContainersFailed(DeploymentStatus.CrashedError, $"container {spec.Slot} {how}");
    }
}
