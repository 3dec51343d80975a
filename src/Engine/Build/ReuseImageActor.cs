using Akka.Actor;
using Engine.Containers;
using Engine.Protocol;

namespace Engine.Build;

/// <summary>A rollback's `building` step, on its worker: no build, the image of the release it goes back to. Found on
/// this worker, or pulled from the registry when another worker pushed it there; replies BuildSucceeded or BuildFailed,
/// as <see cref="BuildActor"/> does.</summary>
public sealed class ReuseImageActor : ReceiveActor
{
    private readonly CancellationTokenSource _stopping = new();

    public static Props Props(ReleaseReused reuse, string registry) => Akka.Actor.Props.Create(() => new ReuseImageActor(reuse, registry));

    public ReuseImageActor(ReleaseReused reuse, string registry)
    {
        var parent = Context.Parent;
        var host = DockerHost.Get(Context.System);
        ReuseAsync(host.Runtime, reuse, registry, host.NameIn(Context.System), line => parent.Tell(new DeploymentLogLine(line)), _stopping.Token)
            .PipeTo(parent, Self, success: found => found is BuildSucceeded b ? b with { WorkerHost = host.Cluster.AdvertiseHost } : found,
                failure: e => new BuildFailed(e.Message));
    }

    protected override void PostStop() => _stopping.Cancel();

    private static async Task<IDeploymentCommand> ReuseAsync(IContainerRuntime runtime, ReleaseReused reuse, string registry, string worker,
        Action<string> log, CancellationToken ct)
    {
        try
        {
            var id = await runtime.ImageIdAsync(reuse.Image, ct);
            if (id is null && registry.Length > 0)
            {
                log($"the image {reuse.Image} is not on worker {worker}: pulling it from {registry}");
                await runtime.PullImageAsync($"{registry}/{reuse.Image}", reuse.Image, log, ct);
                id = await runtime.ImageIdAsync(reuse.Image, ct);
            }
            if (id is null)
                return new BuildFailed($"the image of v{reuse.RollbackOf} ({reuse.Image}) is not on worker {worker}"
                                       + (registry.Length > 0 ? " nor in the registry" : ""));
            log($"reusing image {reuse.Image} ({id}) of v{reuse.RollbackOf}");
            return new BuildSucceeded(reuse.Image, reuse.Processes, ImageId: id);
        }
        catch (ContainerRuntimeException e)
        {
            return new BuildFailed($"the image of v{reuse.RollbackOf} ({reuse.Image}) could not be found: {e.Message}");
        }
    }
}
