using System.Net.Sockets;
using System.Text;
using Engine.Tests.Support;

namespace Engine.Tests.Admin;

/// <summary>Uploads cut off by the client, or stalled, leave nothing behind in uploads/.</summary>
[Collection(DockerCollection.Name)]
public sealed class PartialUploadTests(SharedNode shared)
{
    private static string[] Uploads(EngineNode node) =>
        Directory.GetFiles(Path.Combine(node.DataDir, "uploads"), "*", SearchOption.AllDirectories);

    /// <summary>Sends the request head and part of a body it promises to be longer.</summary>
    private static async Task<TcpClient> StartUpload(EngineNode node, string app, int promised, int sent)
    {
        var admin = new Uri(node.AdminUrl);
        var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", admin.Port);
        var head = $"POST /api/apps/{app}/deployments HTTP/1.1\r\nHost: 127.0.0.1:{admin.Port}\r\n"
            + $"Content-Type: application/x-tar\r\nContent-Length: {promised}\r\n\r\n";
        await tcp.GetStream().WriteAsync(Encoding.ASCII.GetBytes(head));
        await tcp.GetStream().WriteAsync(new byte[sent]);
        return tcp;
    }

    [Fact]
    public async Task A_client_that_disconnects_mid_upload_leaves_no_file()
    {
        var node = shared.Node;
        var before = Uploads(node).ToHashSet();
        using (var tcp = await StartUpload(node, node.NewApp("cutoff"), promised: 900_000, sent: 300_000))
        {
            await Eventually.Until(() => Task.FromResult(Uploads(node).Except(before).Count()), n => n > 0,
                TimeSpan.FromSeconds(20), "the upload being received on disk");
            tcp.Client.LingerState = new LingerOption(true, 0); // a reset, like a killed client
        }
        await Eventually.Until(() => Task.FromResult(Uploads(node).Except(before).ToArray()), left => left.Length == 0,
            TimeSpan.FromSeconds(20), "the partial upload to be removed");
    }

    [Fact]
    public async Task A_stalled_upload_gets_408_with_a_message_and_leaves_no_file()
    {
        await using var node = await EngineNode.StartAsync("--upload-idle-timeout", "2");
        using var tcp = await StartUpload(node, node.NewApp("stalled"), promised: 100_000, sent: 10_000);
        var answer = new StringBuilder();
        var buffer = new byte[4096];
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        int read;
        while (!answer.ToString().Contains("stalled") && (read = await tcp.GetStream().ReadAsync(buffer, deadline.Token)) > 0)
            answer.Append(Encoding.ASCII.GetString(buffer, 0, read));
        Assert.StartsWith("HTTP/1.1 408", answer.ToString());
        Assert.Contains("the upload stalled: no data for 2 s", answer.ToString());
        Assert.Empty(Uploads(node));
    }

    [Fact]
    public async Task Partial_uploads_left_by_a_killed_node_are_swept_at_start()
    {
        await using var node = await EngineNode.StartAsync();
        var incoming = Path.Combine(node.DataDir, "uploads", "incoming");
        var accepted = Path.Combine(node.DataDir, "uploads", "queued.tar"); // what a queued deployment may still need
        await node.KillAsync();
        await File.WriteAllTextAsync(Path.Combine(incoming, "cut.part"), "partial");
        await File.WriteAllTextAsync(accepted, "accepted");
        await node.RestartAsync();
        Assert.Empty(Directory.GetFiles(incoming));
        Assert.True(File.Exists(accepted));
    }
}
