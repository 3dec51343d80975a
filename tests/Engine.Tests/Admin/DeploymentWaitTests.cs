using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Engine.Containers;
using Engine.Tests.Support;

namespace Engine.Tests.Admin;

/// <summary>The long poll the CLI waits on (GET /api/deployments/ID/wait) against a real node and real Docker.</summary>
[Collection(DockerCollection.Name)]
public sealed class DeploymentWaitTests(SharedNode shared)
{
    private readonly EngineNode _node = shared.Node;
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromMinutes(2) };
    /// <summary>Far below the 60 s a wait is given: an answer within it came from an event, not from the deadline.</summary>
    private static readonly TimeSpan WellBeforeTheDeadline = TimeSpan.FromSeconds(30);

    private async Task<(HttpStatusCode Code, string Status)> Wait(string id, string? status, long offset, int timeout)
    {
        using var response = await Http.GetAsync($"{_node.AdminUrl}/api/deployments/{id}/wait?offset={offset}&timeout={timeout}"
            + (status is null ? "" : $"&status={status}"));
        var body = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, response.IsSuccessStatusCode ? JsonDocument.Parse(body).RootElement.GetProperty("status").GetString()! : body);
    }

    private async Task<(string Text, long Next)> Log(string id)
    {
        using var response = await Http.GetAsync($"{_node.AdminUrl}/api/deployments/{id}/logs");
        return (await response.Content.ReadAsStringAsync(), long.Parse(response.Headers.GetValues("X-Next-Offset").First()));
    }

    [Fact]
    public async Task A_wait_answers_on_a_log_line_or_status_change_at_its_deadline_otherwise_and_at_once_when_finished()
    {
        var app = _node.NewApp("wait");
        var id = $"{app}-v1";
        var port = FreePorts.Take(1)[0];
        // The hook goes on only once the test opens the port: the deployment holds still in running-hook until then.
        using var dir = AppDir.WithHook($"echo hook-begins; until nc 127.0.0.1 {port} -e true 2>/dev/null; do sleep 0.1; done; echo hook-ends");
        var deploy = _node.Cli("deploy", dir.Path, "--app", app);
        var gate = new TcpListener(IPAddress.Loopback, port);
        try
        {
            await _node.WaitForStatus(id, "running-hook");
            var (_, offset) = await Eventually.Until(() => Log(id), l => l.Text.Contains("\nhook-begins\n"), TimeSpan.FromSeconds(60), "the hook's first line");

            // Nothing changes: the deadline answers with the state as it is.
            Assert.Equal((HttpStatusCode.OK, "running-hook"), await Wait(id, "running-hook", offset, 1));
            var (held, heldNext) = await Log(id);
            Assert.True(heldNext == offset, held); // so the waits below see exactly what the caller has seen
            // The caller has seen less than there is: at once.
            Assert.Equal((HttpStatusCode.OK, "running-hook"), await Wait(id, "starting", offset, 60).WaitAsync(WellBeforeTheDeadline));
            Assert.Equal((HttpStatusCode.OK, "running-hook"), await Wait(id, "running-hook", 0, 60).WaitAsync(WellBeforeTheDeadline));

            // A waiting request wakes when the hook writes its next line.
            var woken = Wait(id, "running-hook", offset, 60);
            Assert.False(woken.IsCompleted);
            gate.Start();
            Assert.Equal(HttpStatusCode.OK, (await woken.WaitAsync(WellBeforeTheDeadline)).Code);
            var (text, next) = await Log(id);
            Assert.True(next > offset, text);
            var result = await deploy;
            CheckOutput(result, id);
        }
        finally
        {
            gate.Stop();
        }

        // Finished: at once, whatever the caller has seen.
        Assert.Equal((HttpStatusCode.OK, "success"), await Wait(id, "success", long.MaxValue, 60).WaitAsync(WellBeforeTheDeadline));
        Assert.Equal(HttpStatusCode.NotFound, (await Wait($"{app}-v9", null, 0, 60)).Code);
        Assert.Equal(HttpStatusCode.BadRequest, (await Wait("no-version", null, 0, 60)).Code);
    }

    /// <summary>The CLI waits on the long poll: its output and exit code are the README's contract, log lines included.</summary>
    private static void CheckOutput(CliResult result, string id)
    {
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal($"deployment {id}: success\n", result.Stdout);
        Assert.Contains("hook-begins", result.Stderr);
        Assert.Contains("hook-ends", result.Stderr);
        Assert.Contains("-----> running-hook", result.Stderr);
        Assert.Contains("-----> success", result.Stderr);
    }
}
