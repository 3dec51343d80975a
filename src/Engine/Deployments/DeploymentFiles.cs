using Akka.Actor;
using Akka.Event;
using Engine.Build;
using Engine.Protocol;

namespace Engine.Deployments;

/// <summary>A deployment's upload.</summary>
public static class DeploymentFiles
{
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
