using Akka.Actor;
using Engine.Containers;
using Engine.Protocol;

namespace Engine.Build;

/// <summary>Checks the uploaded source, reads its Procfile and builds the image; replies BuildSucceeded or BuildFailed.
/// It uses the Docker engine of the node it runs on (<see cref="DockerHost"/>). When the
/// upload is on another node it first copies it from there, chunk by chunk: from the node that stored it
/// (<paramref name="archiveNode"/>; null: this one).</summary>
public sealed class BuildActor : ReceiveActor
{
    /// <summary>How long a copy waits for the next chunk before it gives up.</summary>
    private static readonly TimeSpan ChunkTimeout = TimeSpan.FromSeconds(30);
    private readonly CancellationTokenSource _stopping = new();
    private string? _copy;

    public static Props Props(string archivePath, ImageSpec image, ContextLimits? limits = null, string? archiveNode = null) =>
        Akka.Actor.Props.Create(() => new BuildActor(archivePath, image, limits ?? ContextLimits.Default, archiveNode));

    public BuildActor(string archivePath, ImageSpec image, ContextLimits limits, string? archiveNode)
    {
        var parent = Context.Parent;
        var self = Self;
        var host = DockerHost.Get(Context.System);
        void Build(string path) =>
            BuildAsync(host.Runtime, path, image, limits, line => parent.Tell(new DeploymentLogLine(line)), _stopping.Token)
                .PipeTo(parent, success: built => built is BuildSucceeded b ? b with { WorkerHost = host.Cluster.AdvertiseHost } : built,
                    failure: e => new BuildFailed(e.Message), sender: self);

        ICanTell? source = archiveNode is null || archiveNode == Akka.Cluster.Cluster.Get(Context.System).SelfAddress.ToString()
            ? null : UploadsActor.At(Context, archiveNode);
        if (source is null)
        {
            Build(archivePath);
            return;
        }
        _copy = Path.Combine(Path.GetTempPath(), $"engine-source-{Guid.NewGuid():N}.tar");
        var copy = File.Create(_copy);
        void Fail(string error)
        {
            Context.SetReceiveTimeout(null);
            copy.Dispose();
            parent.Tell(new BuildFailed(error));
        }
        Receive<FileChunk>(chunk =>
        {
            if (chunk.Error is not null || chunk.Offset != copy.Position)
            {
                Fail(chunk.Error ?? "the upload arrived out of order");
                return;
            }
            try { copy.Write(chunk.Data); }
            catch (IOException e)
            {
                Fail($"the worker could not store the upload: {e.Message}");
                return;
            }
            if (!chunk.Last)
            {
                source.Tell(new ReadSource(copy.Position, archivePath), Self);
                return;
            }
            Context.SetReceiveTimeout(null);
            var size = copy.Length;
            copy.Dispose();
            parent.Tell(new DeploymentLogLine($"copied the upload ({size} bytes) to worker {Akka.Cluster.Cluster.Get(Context.System).SelfAddress}"));
            Build(_copy);
        });
        Receive<ReceiveTimeout>(_ => Fail($"the upload could not be copied from {archiveNode ?? "its deployment's node"}: "
            + $"no answer for {ChunkTimeout.TotalSeconds:0} s"));
        Context.SetReceiveTimeout(ChunkTimeout);
        source.Tell(new ReadSource(0, archivePath), Self);
    }

    protected override void PostStop()
    {
        _stopping.Cancel();
        if (_copy is not null) try { File.Delete(_copy); } catch (IOException) { }
    }

    private static async Task<IDeploymentCommand> BuildAsync(IContainerRuntime runtime, string archivePath, ImageSpec image,
        ContextLimits limits, Action<string> log, CancellationToken ct)
    {
        try
        {
            SourceInfo source;
            await using (var archive = File.OpenRead(archivePath)) source = SourceArchive.Inspect(archive, limits);
            var processes = source.Procfile is null ? Procfile.Default : Procfile.Parse(source.Procfile);
            log(source.Procfile is null
                ? "no Procfile: web runs the image's own command"
                : $"Procfile declares: {string.Join(", ", processes.Select(p => p.Name))}");
            string id;
            await using (var context = File.OpenRead(archivePath))
                id = await runtime.BuildImageAsync(context, image, log, ct);
            log($"built image {image.Tag}");
            return new BuildSucceeded(image.Tag, processes, ImageId: id);
        }
        catch (Exception e) when (e is SourceArchiveException or ProcfileException or ContainerRuntimeException)
        {
            return new BuildFailed(e.Message);
        }
        catch (FileNotFoundException)
        {
            return new BuildFailed("the uploaded source is no longer on disk");
        }
    }
}
