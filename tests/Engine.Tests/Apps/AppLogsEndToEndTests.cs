using System.Globalization;
using System.Text.Json;
using Engine.Tests.Support;
using static Engine.Tests.Support.Deadlines;

namespace Engine.Tests.Apps;

/// <summary>`engine logs` on real Docker: the output of the app's containers, merged in timestamp order, filtered, and
/// followed through a new deployment and a restart.</summary>
[Collection(DockerCollection.Name)]
public sealed class AppLogsEndToEndTests(SharedNode shared)
{
    private readonly EngineNode _node = shared.Node;

    /// <summary>A web and a worker process that each say who they are (the worker also on stderr), then serve or idle.</summary>
    private static AppDir Talking() => new("""
        web: sh -c 'echo "web says hello $CONTAINER_VERSION"; exec sh /app/web.sh'
        worker: sh -c 'echo "worker says hi $CONTAINER_VERSION"; echo "worker complains $CONTAINER_VERSION" >&2; while true; do sleep 1; done'

        """);

    private async Task<List<JsonElement>> Logs(params string[] args) =>
        (await _node.CliOk(["logs", .. args, "--json"])).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
        .Select(l => JsonDocument.Parse(l).RootElement).ToList();

    private static string Text(JsonElement line) => line.GetProperty("text").GetString()!;

    [Fact]
    public async Task Logs_merge_the_containers_lines_in_time_order_and_filter_by_type_container_count_and_time()
    {
        var app = _node.NewApp("logs");
        using var dir = Talking();
        try
        {
            await _node.DeployAsync(dir, app);
            var all = await Eventually.Until(() => Logs(app), l => l.Count >= 3, Within, "the three lines");
            Assert.Equal(["web says hello v1", "worker complains v1", "worker says hi v1"], all.Select(Text).Order());
            var times = all.Select(l => DateTimeOffset.Parse(l.GetProperty("at").GetString()!, CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(times.Order(), times);
            Assert.Equal("stderr", all.Single(l => Text(l) == "worker complains v1").GetProperty("stream").GetString());

            Assert.Equal(["worker complains v1", "worker says hi v1"], (await Logs(app, "--type", "worker")).Select(Text).Order());
            Assert.Equal(["web says hello v1"], (await Logs(app, "--container", "web-1")).Select(Text));
            Assert.Single(await Logs(app, "-n", "1"));
            Assert.Equal(3, (await Logs(app, "--since", "1h")).Count);
            Assert.Empty(await Logs(app, "--since", DateTimeOffset.UtcNow.AddHours(1).ToString("O")));

            var human = await _node.CliOk("logs", app, "--container", "web-1");
            Assert.Matches(@"^\d{4}-\d\d-\d\dT[^ ]+ web-1\[v1\]: web says hello v1$", human.Stdout.Trim());
        }
        finally
        {
            await DockerProbe.RemoveAppAsync(app);
        }
    }

    [Fact]
    public async Task Bad_log_requests_get_clear_errors()
    {
        var unknown = await _node.Cli("logs", _node.NewApp("nologs"));
        Assert.True(unknown.ExitCode == 1, unknown.ToString());
        Assert.Contains("not found", unknown.Stderr);
        foreach (var args in new[] { new[] { "-n", "-5" }, ["-n", "0"], ["-n", "10001"], ["--since", "garbage"] })
        {
            var bad = await _node.Cli(["logs", "someapp", .. args]);
            Assert.True(bad.ExitCode == 2, $"{string.Join(' ', args)}: {bad}");
        }
        var since = await _node.Cli("logs", "someapp", "--since", "garbage");
        Assert.Contains("--since takes a duration such as 10m", since.Stderr);
    }

    [Fact]
    public async Task Following_sees_a_new_deployments_containers_and_those_a_restart_starts()
    {
        var app = _node.NewApp("logsf");
        using var dir = Talking();
        try
        {
            await _node.DeployAsync(dir, app);
            using var follow = _node.StartCli("logs", app, "-f");
            await follow.WaitForLine(l => l.EndsWith("web says hello v1", StringComparison.Ordinal), Within, "v1's web line");

            await _node.DeployAsync(dir, app);
            await follow.WaitForLine(l => l.EndsWith("web-1[v2]: web says hello v2", StringComparison.Ordinal), Within, "v2's web line");
            await follow.WaitForLine(l => l.EndsWith("worker-1[v2]: worker says hi v2", StringComparison.Ordinal), Within, "v2's worker line");

            var before = follow.Lines.Count(l => l.EndsWith("web says hello v2", StringComparison.Ordinal));
            await _node.CliOk("apps", "restart", app);
            await Eventually.Until(() => Task.FromResult(follow.Lines.Count(l => l.EndsWith("web says hello v2", StringComparison.Ordinal))),
                n => n > before, Within, "the restarted web container's line");
        }
        finally
        {
            await DockerProbe.RemoveAppAsync(app);
        }
    }
}
