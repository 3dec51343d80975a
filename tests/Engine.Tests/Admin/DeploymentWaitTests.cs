using System.Net;
using Engine.Tests.Support;

namespace Engine.Tests.Admin;

/// <summary>The long poll the CLI waits on (GET /api/deployments/ID/wait) against a real node and real Docker.</summary>
[Collection(DockerCollection.Name)]
public sealed class DeploymentWaitTests(SharedNode shared)
{
    private readonly EngineNode _node = shared.Node;
    /// <summary>Far below the 60 s a wait is given: an answer within it came from an event, not from the deadline.</summary>
    private static readonly TimeSpan WellBeforeTheDeadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_wait_answers_on_a_log_line_or_status_change_at_its_deadline_otherwise_and_at_once_when_finished()
    {
        var app = _node.NewApp("wait");
        var id = $"{app}-v1";
        using var gate = new HookGate();
        using var dir = AppDir.WithHook(gate.Hook);
        var deploy = _node.Cli("deploy", dir.Path, "--app", app);
        await _node.WaitForStatus(id, "running-hook");
        var (_, offset) = await Eventually.Until(() => _node.Log(id), l => l.Text.Contains("\nhook-begins\n"), Deadlines.Within, "the hook's first line");

        // Nothing changes: the deadline answers with the state as it is.
        Assert.Equal((HttpStatusCode.OK, "running-hook"), await _node.WaitForChange(id, "running-hook", offset, 1));
        var (held, heldNext) = await _node.Log(id);
        Assert.True(heldNext == offset, held); // so the waits below see exactly what the caller has seen
        // The caller has seen less than there is: at once.
        Assert.Equal((HttpStatusCode.OK, "running-hook"), await _node.WaitForChange(id, "starting", offset, 60).WaitAsync(WellBeforeTheDeadline));
        Assert.Equal((HttpStatusCode.OK, "running-hook"), await _node.WaitForChange(id, "running-hook", 0, 60).WaitAsync(WellBeforeTheDeadline));

        // A waiting request wakes when the hook writes its next line.
        var woken = _node.WaitForChange(id, "running-hook", offset, 60);
        Assert.False(woken.IsCompleted);
        gate.Open();
        Assert.Equal(HttpStatusCode.OK, (await woken.WaitAsync(WellBeforeTheDeadline)).Code);
        var (text, next) = await _node.Log(id);
        Assert.True(next > offset, text);
        var result = await deploy;
        CheckOutput(result, id);

        // Finished: at once, whatever the caller has seen.
        Assert.Equal((HttpStatusCode.OK, "success"), await _node.WaitForChange(id, "success", long.MaxValue, 60).WaitAsync(WellBeforeTheDeadline));
        Assert.Equal(HttpStatusCode.NotFound, (await _node.WaitForChange($"{app}-v9", null, 0, 60)).Code);
        Assert.Equal(HttpStatusCode.BadRequest, (await _node.WaitForChange("no-version", null, 0, 60)).Code);
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
