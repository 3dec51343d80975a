using Akka.Actor;
using Akka.TestKit.Xunit2;
using Engine.Build;
using Engine.Protocol;

namespace Engine.Tests.Build;

/// <summary>A node's uploads actor serves its stored uploads to builds on other nodes, and nothing else of its disk.</summary>
public sealed class UploadsActorTests : TestKit
{

    [Fact]
    public void An_upload_is_served_in_chunks_then_deleted_and_a_path_outside_the_uploaddirectory_is_refused()
    {
        var dir = Directory.CreateTempSubdirectory("engine-uploads-").FullName;
        var upload = Path.Combine(dir, "0123.tar");
        var bytes = Enumerable.Range(0, FileChunk.Size + 10).Select(i => (byte)i).ToArray();
        File.WriteAllBytes(upload, bytes);
        var uploads = Sys.ActorOf(UploadsActor.Props(dir));

        uploads.Tell(new ReadSource(0, upload), TestActor);
        var first = ExpectMsg<FileChunk>();
        Assert.Equal((0L, FileChunk.Size, false, (string?)null), (first.Offset, first.Data.Length, first.Last, first.Error));
        uploads.Tell(new ReadSource(FileChunk.Size, upload), TestActor);
        var last = ExpectMsg<FileChunk>();
        Assert.Equal(bytes, first.Data.Concat(last.Data));
        Assert.True(last.Last);

        var outside = Path.Combine(Path.GetDirectoryName(dir)!, $"{Path.GetFileName(dir)}-secret");
        File.WriteAllText(outside, "not an upload");
        try
        {
            foreach (var path in new[] { outside, Path.Combine(dir, "..", Path.GetFileName(outside)) })
            {
                uploads.Tell(new ReadSource(0, path), TestActor);
                var refused = ExpectMsg<FileChunk>();
                Assert.Equal(($"'{path}' is not an upload stored on this node", 0), (refused.Error, refused.Data.Length));
                uploads.Tell(new DeleteUpload(path));
            }
            uploads.Tell(new DeleteUpload(upload));
            AwaitCondition(() => !File.Exists(upload));
            Assert.True(File.Exists(outside));
        }
        finally
        {
            File.Delete(outside);
            Directory.Delete(dir, recursive: true);
        }
    }
}
