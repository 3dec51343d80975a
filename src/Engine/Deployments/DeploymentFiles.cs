using Akka.Actor;
using Akka.Event;
using Engine.Build;
using Engine.Protocol;

namespace Engine.Deployments;

/// <summary>A deployment's files: its log on the node it runs on, and its upload.</summary>
public static class DeploymentFiles
{
    /// <summary>A line to the deployment's log; whoever watches it hears of the change.</summary>
    public static void AppendLog(DeploymentSettings settings, string deploymentId, string line, ILoggingAdapter log, EventStream events)
    {
        try { File.AppendAllText(settings.LogPath(deploymentId), line + "\n"); }
        catch (IOException e) { log.Warning("cannot write the log of {0}: {1}", deploymentId, e.Message); }
        events.Publish(new DeploymentChanged(deploymentId));
    }

    /// <summary>From this node's disk, or through the uploads actor of the node that stored it.</summary>
    public static void DeleteUpload(IActorContext context, string archivePath, string? archiveNode)
    {
        if (archivePath.Length == 0) return; // a rollback uploads nothing
        if (archiveNode is { } node && node != Akka.Cluster.Cluster.Get(context.System).SelfAddress.ToString())
            UploadsActor.At(context, node).Tell(new DeleteUpload(archivePath));
        else
            try { File.Delete(archivePath); } catch (IOException) { }
    }
}
