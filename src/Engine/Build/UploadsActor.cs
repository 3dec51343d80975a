using Akka.Actor;
using Engine.Protocol;

namespace Engine.Build;

/// <summary>This node's stored uploads, for builds on other nodes: serves them chunk by chunk and deletes one once its
/// deployment is over. Only files directly in the upload directory; any other path is refused.</summary>
public sealed class UploadsActor : ReceiveActor
{
    public const string Name = "uploads";

    public static Props Props(string uploadDir) => Akka.Actor.Props.Create(() => new UploadsActor(uploadDir));

    /// <summary>The uploads actor of the node at this address.</summary>
    public static ActorSelection At(IActorContext context, string node) =>
        context.ActorSelection(new RootActorPath(Address.Parse(node)) / "user" / Name);

    public UploadsActor(string uploadDir)
    {
        var dir = Path.GetFullPath(uploadDir);
        string? Stored(string? path) => path is not null && Path.GetDirectoryName(Path.GetFullPath(path)) == dir ? path : null;

        Receive<ReadSource>(r => Sender.Tell(Stored(r.Path) is { } path
            ? FileChunk.Read(path, r.Offset)
            : new FileChunk(r.Offset, [], true, $"'{r.Path}' is not an upload stored on this node")));
        Receive<DeleteUpload>(d =>
        {
            if (Stored(d.Path) is not { } path) return;
            try { File.Delete(path); } catch (IOException) { }
        });
    }
}
