using Akka.Actor;
using Akka.Event;
using Engine.Apps;
using Engine.Deployments;

namespace Engine.Containers;

/// <summary>Starts a version's containers and watches them until they are up; stops and removes containers.</summary>
public sealed class ContainerSupervisorActor : ReceiveActor
{
    private readonly IContainerRuntime _runtime;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public static Props Props(IContainerRuntime runtime) => Akka.Actor.Props.Create(() => new ContainerSupervisorActor(runtime));

    public ContainerSupervisorActor(IContainerRuntime runtime)
    {
        _runtime = runtime;
        Receive<StartContainers>(s => StartAsync(s, Sender, _stopping.Token).PipeTo(Sender,
            failure: e => new ContainersFailed(DeploymentStatus.CrashedError, e.Message)));
        Receive<RemoveContainers>(r => RemoveAsync(r, _stopping.Token).PipeTo(Sender,
            failure: e => { _log.Warning("removing containers of {0} failed: {1}", r.App, e.Message); return new ContainersRemoved(0); }));
    }

    protected override void PostStop() => _stopping.Cancel();

    private async Task<IDeploymentCommand> StartAsync(StartContainers start, IActorRef requester, CancellationToken ct)
    {
        void Log(string line) => requester.Tell(new DeploymentLogLine(line));
        try
        {
            // Matched by labels, not by name: names changed when they gained the instance id.
            var existing = start.ReuseRunning && start.Specs.Count > 0
                ? (await _runtime.ListAsync(start.Specs[0].App, ct)).Where(c => c.State == "running")
                    .DistinctBy(c => (c.DeploymentId, c.Slot)).ToDictionary(c => (c.DeploymentId, c.Slot))
                : [];
            // A container counts as crashed once Docker restarts it; a reused one may have restarted long ago.
            var ids = new Dictionary<ContainerSpec, (string Id, long Restarts)>();
            foreach (var spec in start.Specs)
            {
                if (existing.TryGetValue((spec.DeploymentId, spec.Slot), out var found))
                {
                    ids[spec] = (found.Id, (await _runtime.InspectAsync(found.Id, ct))?.RestartCount ?? 0);
                    continue;
                }
                Log($"starting {spec.Slot} ({spec.Name}){(spec.Port is { } p ? $" on port {p}" : "")}");
                ids[spec] = (await _runtime.RunAsync(spec, restartAlways: true, ct), 0);
            }
            return await WaitUntilUpAsync(ids, start.Timeout, Log, ct);
        }
        catch (ContainerRuntimeException e)
        {
            return new ContainersFailed(DeploymentStatus.CrashedError, e.Message);
        }
        catch (OperationCanceledException) when (!start.ReuseRunning && start.Specs.Count > 0)
        {
            // Stopped mid-start: a create Docker already accepted must not outlive the deployment.
            var spec = start.Specs[0];
            await RemoveAsync(RemoveContainers.Of(spec.App, spec.DeploymentId, TimeSpan.Zero), CancellationToken.None);
            throw;
        }
    }

    private async Task<IDeploymentCommand> WaitUntilUpAsync(Dictionary<ContainerSpec, (string Id, long Restarts)> ids, TimeSpan timeout,
        Action<string> log, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            foreach (var (spec, (id, restarts)) in ids)
            {
                var state = await _runtime.InspectAsync(id, ct);
                if (state is { Running: true, Restarting: false } && state.RestartCount == restarts) continue;
                var tail = await _runtime.TailLogsAsync(id, 20, ct);
                if (tail.Length > 0) foreach (var l in tail.Split('\n')) log($"{spec.Slot}: {l}");
                var how = state is null ? "disappeared" : $"exited with code {state.ExitCode}";
                return new ContainersFailed(DeploymentStatus.CrashedError, $"container {spec.Slot} {how} before it was up");
            }
            var waiting = new List<ContainerSpec>();
            foreach (var spec in ids.Keys.Where(s => s.Port is not null))
                if (!await FreePorts.AcceptsAsync(spec.Port!.Value, ct)) waiting.Add(spec);
            if (waiting.Count == 0)
            {
                log($"{ids.Count} container(s) up");
                return new ContainersUp(ids.Keys.ToList());
            }
            if (DateTime.UtcNow > deadline)
                return new ContainersFailed(DeploymentStatus.TimeoutError,
                    $"{string.Join(", ", waiting.Select(s => s.Slot))} did not accept connections on $PORT " +
                    $"({string.Join(", ", waiting.Select(s => s.Port))}) within {timeout.TotalSeconds:0.#} s");
            await Task.Delay(200, ct);
        }
    }

    private async Task<ContainersRemoved> RemoveAsync(RemoveContainers remove, CancellationToken ct)
    {
        var doomed = (await _runtime.ListAsync(remove.App, ct)).Where(remove.Matches).ToList();
        await Task.WhenAll(doomed.Select(c => _runtime.StopAndRemoveAsync(c.Id, remove.Grace, ct)));
        if (doomed.Count > 0) _log.Info("removed {0} container(s) of {1}", doomed.Count, remove.App);
        return new ContainersRemoved(doomed.Count);
    }
}
