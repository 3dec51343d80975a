using System.Text;
using Akka.Actor;
using Engine.Deployments;
using Engine.Hosting;
using Engine.Protocol;
using Engine.Tests.Support;

namespace Engine.Tests.Deployments;

public sealed class DeploymentLogTableTests : EngineTestKit
{
    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    [Fact]
    public async Task Chunks_are_read_back_in_order_from_any_offset_and_a_taken_offset_is_refused()
    {
        var ct = CancellationToken.None;
        Assert.Equal((0L, 0), await DeploymentLogTable.EndAsync(Settings, "app-v1", ct));
        Assert.True(await DeploymentLogTable.AppendAsync(Settings, "app-v1", 0, Bytes("one\n"), 0, ct));
        Assert.True(await DeploymentLogTable.AppendAsync(Settings, "app-v1", 4, Bytes("two\nthree\n"), 2, ct));
        // Another writer that thought the log ended at 4: refused, nothing changes.
        Assert.False(await DeploymentLogTable.AppendAsync(Settings, "app-v1", 4, Bytes("other\n"), 1, ct));
        Assert.True(await DeploymentLogTable.AppendAsync(Settings, "app-v2", 0, Bytes("v2\n"), 0, ct));

        Assert.Equal((14L, 2), await DeploymentLogTable.EndAsync(Settings, "app-v1", ct));
        Assert.Equal(("one\ntwo\nthree\n", true), Text(await DeploymentLogTable.ReadAsync(Settings, "app-v1", 0, 1000, ct)));
        Assert.Equal(("o\nthree\n", true), Text(await DeploymentLogTable.ReadAsync(Settings, "app-v1", 6, 1000, ct)));
        Assert.Equal(("", true), Text(await DeploymentLogTable.ReadAsync(Settings, "app-v1", 14, 1000, ct)));
        // At most about `max` bytes at a time: whole chunks, the rest on the next read.
        Assert.Equal(("one\n", false), Text(await DeploymentLogTable.ReadAsync(Settings, "app-v1", 0, 2, ct)));
    }

    private static (string, bool) Text((byte[] Data, bool Last) read) => (Encoding.UTF8.GetString(read.Data), read.Last);

    [Fact]
    public async Task A_read_sees_every_line_told_before_it_and_a_log_from_before_the_database_is_read_from_its_file()
    {
        var logs = Sys.ActorSelection("/user/" + DeploymentLogsActor.Name);
        foreach (var i in Enumerable.Range(1, 50)) logs.Tell(new DeploymentLogsActor.Append("app-v1", $"line {i}", Hook: i % 2 == 0));
        var read = await logs.Ask<FileChunk>(new ReadDeploymentLog("app", "app-v1", 0), Patience);
        Assert.Equal(string.Concat(Enumerable.Range(1, 50).Select(i => $"line {i}\n")), Encoding.UTF8.GetString(read.Data));
        Assert.Equal(25, (await logs.Ask<HookLinesLogged>(new CountHookLines("app-v1"), Patience)).Count);

        File.WriteAllText(Settings.LogPath("app-v0"), "written by an older version\n");
        read = await logs.Ask<FileChunk>(new ReadDeploymentLog("app", "app-v0", 0), Patience);
        Assert.Equal("written by an older version\n", Encoding.UTF8.GetString(read.Data));
    }
}
