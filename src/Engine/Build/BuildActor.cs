using Akka.Actor;
using Engine.Apps;
using Engine.Containers;
using Engine.Deployments;

namespace Engine.Build;

/// <summary>Checks the uploaded source, reads its Procfile and builds the image; replies BuildSucceeded or BuildFailed.</summary>
public sealed class BuildActor : ReceiveActor
{
    private readonly CancellationTokenSource _stopping = new();

    public static Props Props(IContainerRuntime runtime, string archivePath, ImageSpec image, ContextLimits? limits = null) =>
        Akka.Actor.Props.Create(() => new BuildActor(runtime, archivePath, image, limits ?? ContextLimits.Default));

    public BuildActor(IContainerRuntime runtime, string archivePath, ImageSpec image, ContextLimits limits)
    {
        var parent = Context.Parent;
        BuildAsync(runtime, archivePath, image, limits, line => parent.Tell(new DeploymentLogLine(line)), _stopping.Token)
            .PipeTo(parent, failure: e => new BuildFailed(e.Message));
    }

    protected override void PostStop() => _stopping.Cancel();

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
            await using (var context = File.OpenRead(archivePath))
                await runtime.BuildImageAsync(context, image, log, ct);
            log($"built image {image.Tag}");
            return new BuildSucceeded(image.Tag, processes);
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
