using Akka.Actor;
using Akka.Event;
using Engine.Protocol;

namespace Engine.Containers;

/// <summary>Starts a version's containers and watches them until they are up; stops, removes and lists containers.
/// It uses the Docker engine of the node it runs on (<see cref="DockerHost"/>).</summary>
public sealed class ContainerOperationsActor : ReceiveActor
{
    private static readonly TimeSpan FirstRetryPause = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan LongestRetryPause = TimeSpan.FromSeconds(8);
    private readonly IContainerRuntime _runtime;
    private readonly TimeSpan _removalRetry;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public static Props Props(TimeSpan? removalRetry = null) =>
        Akka.Actor.Props.Create(() => new ContainerOperationsActor(new Duration(removalRetry ?? TimeSpan.FromSeconds(30))));

    public ContainerOperationsActor(Duration removalRetry)
    {
        var host = DockerHost.Get(Context.System);
        _runtime = host.Runtime;
        _removalRetry = removalRetry;
        Receive<StartContainers>(s => StartAsync(s, Sender, _stopping.Token).PipeTo(Sender, Self,
            failure: e => new ContainersFailed(DeploymentStatus.CrashedError, e.Message)));
        Receive<RemoveContainers>(r => RemoveAsync(r, _stopping.Token).PipeTo(Sender, Self,
            failure: e => new ContainersRemoved(0, null, e.Message)));
        Receive<PruneImages>(p => PruneAsync(p, _stopping.Token).PipeTo(Sender, Self,
            failure: e => new ImagesPruned(p.App, [], [e.Message])));
        var node = host.Cluster.WorkerName;
        Receive<ListContainers>(l => _runtime.ListAsync(l.App, _stopping.Token).PipeTo(Sender, Self,
            success: found => new ContainersListed(found.ToList(), Worker: node), failure: e => new ContainersListed([], e.Message)));
        var name = host.NameIn(Context.System);
        Receive<ListImages>(l => _runtime.ListImagesAsync(l.App, _stopping.Token).PipeTo(Sender, Self,
            success: found => new ImagesListed(found.Select(i => new WorkerImage(name, i.Id, i.Tags[0], i.DeploymentId)).ToList()),
            failure: e => new ImagesListed([], e.Message)));
        Receive<RemoveStrangers>(r => RemoveStrangersAsync(r.KnownApps, _stopping.Token).PipeTo(Sender, Self,
            failure: e => new StrangersRemoved(0, e.Message)));
    }

    protected override void PostStop() => _stopping.Cancel();

    /// <summary>The pause between readiness checks (<see cref="ContainerReadiness"/>).</summary>
    internal static TimeSpan NextReadinessPause(TimeSpan pause) => ContainerReadiness.NextPause(pause);

    internal static TimeSpan InitialReadinessPause => ContainerReadiness.FirstPause;

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
            return await new ContainerReadiness(_runtime).WaitUntilUpAsync(ids, start.Timeout, start.StabilityWindow, Log, ct, start.Checks);
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

    /// <summary>Removes, then asks Docker again (its word, not the calls' result); retries with backoff until the
    /// budget is spent, then names what is left.</summary>
    private async Task<ContainersRemoved> RemoveAsync(RemoveContainers remove, CancellationToken ct)
    {
        var giveUpAt = DateTime.UtcNow + _removalRetry;
        var pause = FirstRetryPause;
        var seen = new HashSet<string>();
        while (true)
        {
            IReadOnlyList<string> left = seen.ToList();
            string? error = null;
            try
            {
                var doomed = await DoomedAsync(remove, ct);
                seen.UnionWith(doomed.Select(c => c.Name));
                if (doomed.Count > 0)
                {
                    var failures = await Task.WhenAll(doomed.Select(c => TryRemoveAsync(c, remove.Grace, ct)));
                    doomed = await DoomedAsync(remove, ct);
                    error = failures.FirstOrDefault(f => f is not null) ?? "Docker still lists them";
                }
                if (doomed.Count == 0)
                {
                    if (seen.Count > 0) _log.Info("removed {0} container(s) of {1}", seen.Count, remove.App);
                    return new ContainersRemoved(seen.Count);
                }
                left = doomed.Select(c => c.Name).ToList();
            }
            catch (ContainerRuntimeException e)
            {
                error = e.Message;
            }
            if (DateTime.UtcNow + pause > giveUpAt)
            {
                _log.Error("{0}: {1} container(s) could not be removed: {2}", remove.App, left.Count, error);
                return new ContainersRemoved(seen.Count - left.Count, left, error);
            }
            _log.Warning("{0}: {1} container(s) not removed yet ({2}); retrying in {3} s", remove.App, left.Count, error, pause.TotalSeconds);
            await Task.Delay(pause, ct);
            pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, LongestRetryPause.Ticks));
        }
    }

    private async Task<IReadOnlyList<ContainerSummary>> DoomedAsync(RemoveContainers remove, CancellationToken ct) =>
        (await _runtime.ListAsync(remove.App, ct)).Where(remove.Matches).ToList();

    /// <summary>One container's removal failing must not stop the others'; returns the error, or null.</summary>
    private async Task<string?> TryRemoveAsync(ContainerSummary c, TimeSpan grace, CancellationToken ct)
    {
        try
        {
            await _runtime.StopAndRemoveAsync(c.Id, grace, ct);
            return null;
        }
        catch (ContainerRuntimeException e)
        {
            return e.Message;
        }
    }

    private async Task<StrangersRemoved> RemoveStrangersAsync(ISet<string> known, CancellationToken ct)
    {
        var strangers = (await _runtime.ListAsync(null, ct)).Where(c => !known.Contains(c.App)).ToList();
        await Task.WhenAll(strangers.Select(c => _runtime.StopAndRemoveAsync(c.Id, TimeSpan.Zero, ct)));
        return new StrangersRemoved(strangers.Count, null);
    }

    private async Task<ImagesPruned> PruneAsync(PruneImages prune, CancellationToken ct)
    {
        var removed = new List<string>();
        var failed = new List<string>();
        foreach (var image in (await _runtime.ListImagesAsync(prune.App, ct)).Where(i => prune.Deployments.Contains(i.DeploymentId)))
            foreach (var reference in image.Tags.Count > 0 ? image.Tags : [image.Id])
            {
                try
                {
                    await _runtime.RemoveImageAsync(reference, ct);
                    removed.Add(reference);
                }
                catch (ContainerRuntimeException e)
                {
                    failed.Add(e.Message); // e.g. a leftover container still uses it: the next prune tries again
                }
            }
        if (removed.Count > 0) _log.Info("{0}: removed image(s) {1}", prune.App, string.Join(", ", removed));
        return new ImagesPruned(prune.App, removed, failed);
    }
}
