using Akka.Actor;
using Akka.Event;
using Engine.Cluster;
using Engine.Protocol;

namespace Engine.Containers;

/// <summary>Keeps an app's routed containers up after the deployment is over. Docker's restart policy does not start a
/// container again after `docker stop` or `docker kill`, so when one exits the keeper takes it out of the route,
/// starts it again with backoff, and puts it back once it accepts connections; one its health guard calls unhealthy for
/// too long it replaces the same way. Its parent journals each revival. Its child checks the web containers' health
/// (<see cref="HealthWatchActor"/>).</summary>
public sealed class ContainerKeeperActor : ReceiveActor, IWithTimers
{
    private static readonly TimeSpan FirstDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(30);
    /// <summary>An unhealthy container being replaced may still finish what it was doing.</summary>
    private static readonly TimeSpan ReplaceGrace = TimeSpan.FromSeconds(5);
    private readonly IContainerRuntime _runtime;
    private readonly IActorRef _router;
    private readonly ClusterSettings _cluster;
    private readonly TimeSpan _startTimeout;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly CancellationTokenSource _stopping = new();
    /// <summary>By container name: what is being revived and how many attempts failed so far.</summary>
    private readonly Dictionary<string, (ReviveContainer Revive, int Failures)> _reviving = [];

    private sealed record TryRevive(string Name);

    private sealed record Attempted(string Name, string? Error);

    public ITimerScheduler Timers { get; set; } = null!;

    /// <summary>It uses the Docker engine and settings of the node it runs on (<see cref="DockerHost"/>).</summary>
    public static Props Props(IActorRef router, TimeSpan startTimeout) =>
        Akka.Actor.Props.Create(() => new ContainerKeeperActor(router, new Duration(startTimeout)));

    public ContainerKeeperActor(IActorRef router, Duration startTimeout)
    {
        _runtime = DockerHost.Get(Context.System).Runtime;
        _router = router;
        _startTimeout = startTimeout;
        _cluster = DockerHost.Get(Context.System).Cluster;

        Receive<ReviveContainer>(r =>
        {
            var name = r.Spec.Name;
            if (_reviving.ContainsKey(name)) return; // already on it: the next attempt inspects the container anyway
            _reviving[name] = (r, 0);
            if (Endpoint(r.Spec) is { } endpoint) _router.Tell(new EndpointDown(r.Spec.App, r.Spec.DeploymentId, endpoint));
            Health().Tell(new HealthWatchActor.Pause(r.Spec.Slot, true));
            _log.Warning("{0}: {1} of {2} {3}; starting it again", r.Spec.App, r.Spec.Slot, r.Spec.Version,
                r.Reason ?? $"exited (code {r.ExitCode?.ToString() ?? "unknown"})");
            // A short delay first: after a crash Docker's own restart policy may already be bringing it back.
            Timers.StartSingleTimer(name, new TryRevive(name), FirstDelay);
        });
        Receive<TryRevive>(t =>
        {
            if (!_reviving.TryGetValue(t.Name, out var entry)) return;
            ReviveAsync(entry.Revive, _stopping.Token).PipeTo(Self, success: () => new Attempted(t.Name, null),
                failure: e => new Attempted(t.Name, e.Message));
        });
        Receive<Attempted>(a =>
        {
            if (!_reviving.TryGetValue(a.Name, out var entry)) return;
            var spec = entry.Revive.Spec;
            if (a.Error is null)
            {
                _reviving.Remove(a.Name);
                if (Endpoint(spec) is { } endpoint) _router.Tell(new EndpointUp(spec.App, spec.DeploymentId, endpoint));
                Health().Tell(new HealthWatchActor.Pause(spec.Slot, false));
                Context.Parent.Tell(new ContainerRevived(spec, entry.Revive.ExitCode));
                return;
            }
            var failures = entry.Failures + 1;
            _reviving[a.Name] = (entry.Revive, failures);
            var delay = TimeSpan.FromTicks(Math.Min(MaxDelay.Ticks, FirstDelay.Ticks << Math.Min(failures, 10)));
            _log.Warning("{0}: could not start {1} again ({2}); next attempt in {3:0} s", spec.App, spec.Slot, a.Error,
                delay.TotalSeconds);
            Timers.StartSingleTimer(a.Name, new TryRevive(a.Name), delay);
        });
        Receive<WatchHealth>(w => Health().Forward(w));
        Receive<KeepOnly>(k =>
        {
            foreach (var name in _reviving.Where(r => r.Value.Revive.Spec.DeploymentId != k.DeploymentId).Select(r => r.Key).ToList())
            {
                _reviving.Remove(name);
                Timers.Cancel(name);
            }
        });
    }

    protected override void PostStop() => _stopping.Cancel();

    private IActorRef Health() => Context.Child("health") is var health && !health.IsNobody()
        ? health : Context.ActorOf(Akka.Actor.Props.Create(() => new HealthWatchActor()), "health");

    private string? Endpoint(ContainerSpec spec) => spec.Port is { } p ? _cluster.WebEndpoint(p) : null;

    private async Task ReviveAsync(ReviveContainer revive, CancellationToken ct)
    {
        var spec = revive.Spec;
        // An unhealthy one goes, whatever its id now (an earlier attempt may have made it): a new one replaces it.
        if (revive.Reason is not null)
            foreach (var old in (await _runtime.ListAsync(spec.App, ct)).Where(c => c.DeploymentId == spec.DeploymentId && c.Slot == spec.Slot))
                await _runtime.StopAndRemoveAsync(old.Id, ReplaceGrace, ct);
        var state = revive.Reason is null ? await _runtime.InspectAsync(revive.ContainerId, ct) : null;
        var id = revive.ContainerId;
        if (state is null)
        {
            // Gone: the restore at reconciliation may already have replaced it (found by label); else create it anew.
            var twin = (await _runtime.ListAsync(spec.App, ct))
                .FirstOrDefault(c => c.DeploymentId == spec.DeploymentId && c.Slot == spec.Slot && c.State == "running");
            id = twin?.Id ?? await _runtime.RunAsync(spec, restartAlways: true, ct);
        }
        else if (!state.Running && !state.Restarting) await _runtime.StartExistingAsync(id, ct);

        var deadline = DateTime.UtcNow + _startTimeout;
        while (true)
        {
            var now = await _runtime.InspectAsync(id, ct);
            if (now is { Running: true, Restarting: false }
                && (spec.Port is not { } port || await FreePorts.AcceptsAsync(port, ct)))
                return;
            if (DateTime.UtcNow > deadline)
                throw new ContainerRuntimeException(now is { Running: true }
                    ? $"it did not accept connections on port {spec.Port} within {_startTimeout.TotalSeconds:0.#} s"
                    : $"it is {now?.Status ?? "gone"} (exit code {now?.ExitCode})");
            await Task.Delay(200, ct);
        }
    }
}
