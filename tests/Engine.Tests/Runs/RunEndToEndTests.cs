using System.Text.Json;
using Engine.Tests.Support;
using static Engine.Tests.Support.Deadlines;

namespace Engine.Tests.Runs;

/// <summary>`engine run` on real Docker: a one-off container of the routed release, attached through the admin API's
/// WebSocket (exit codes, stdin, env, Ctrl-C, a client that goes away, the idle timeout) or detached (ps, logs, stop),
/// each journaled once as it starts and as it ends.</summary>
[Collection(DockerCollection.Name)]
public sealed class RunEndToEndTests(SharedNode shared)
{
    private readonly EngineNode _node = shared.Node;

    private static async Task<IReadOnlyList<ProbedContainer>> OneOffs(string app) =>
        (await DockerProbe.ContainersOf(app)).Where(c => c.Type == "one-off").ToList();

    private Task<List<JsonElement>> Audit(string app, string type) => Audit(_node, app, type);

    private static async Task<List<JsonElement>> Audit(EngineNode node, string app, string type) =>
        (await node.CliOk("audit", app, "--json")).Stdout is var json
            ? JsonDocument.Parse(json).RootElement.EnumerateArray().Where(e => e.GetProperty("type").GetString() == type).ToList()
            : [];

    private static string Detail(JsonElement entry) => entry.GetProperty("detail").GetString()!;

    [Fact]
    public async Task Attached_runs_pass_exit_codes_stdin_and_the_apps_env_through_and_leave_nothing_behind()
    {
        var app = _node.NewApp("run");
        using var dir = new AppDir();
        try
        {
            await _node.CliOk("env", "set", app, "GREETING=hello there");
            await _node.DeployAsync(dir, app);

            await _node.CliOk("run", app, "--", "true");
            var three = await _node.Cli("run", app, "--", "sh", "-c", "echo out; echo err >&2; exit 3");
            Assert.True(three.ExitCode == 3, three.ToString());
            Assert.Equal("out", three.Stdout.Trim());
            Assert.Contains("err", three.Stderr);

            var read = await _node.CliWithInput("from stdin\n", "run", app, "--", "sh", "-c", "read x; echo \"got $x\"");
            Assert.True(read.ExitCode == 0, read.ToString());
            Assert.Equal("got from stdin", read.Stdout.Trim());

            // -t: a terminal although the CLI's stdin is none; without a terminal, none (-T forces that on a terminal).
            // The CLI's empty stdin ends before the output comes, which must not end the output (Docker's way on a terminal).
            Assert.Equal("a terminal", (await _node.CliOk("run", app, "-t", "--", "sh", "-c", "sleep 1; test -t 0 && echo a terminal")).Stdout.Trim());
            Assert.Equal("no terminal", (await _node.CliOk("run", app, "--", "sh", "-c", "test -t 0 || echo no terminal")).Stdout.Trim());

            var env = await _node.CliOk("run", app, "-e", "EXTRA=1", "--", "env");
            var vars = env.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('=', 2))
                .Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
            Assert.Equal("hello there", vars["GREETING"]);
            Assert.Equal("1", vars["EXTRA"]);
            Assert.Equal(app, vars["APP"]);
            Assert.Equal("one-off-6", vars["CONTAINER"]);
            Assert.Equal("v1", vars["CONTAINER_VERSION"]);
            Assert.Equal($"{app}-v1", vars["DEPLOYMENT_ID"]);
            Assert.False(vars.ContainsKey("PORT"), "a one-off gets no route, so no $PORT");

            // Each attached run's container is removed once its end is journaled.
            await Eventually.Until(() => OneOffs(app), c => c.Count == 0, Within, "no one-off container left");
            var started = await Audit(app, "OneOffStarted");
            var ended = await Eventually.Until(() => Audit(app, "OneOffEnded"), e => e.Count == 6, Within, "six ends journaled");
            Assert.Equal(6, started.Count);
            Assert.Contains("sh' '-c' 'echo out; echo err >&2; exit 3'", Detail(started[1]));
            Assert.Equal(["one-off-1 exited (exit code 0)", "one-off-2 exited (exit code 3)", "one-off-3 exited (exit code 0)",
                "one-off-4 exited (exit code 0)", "one-off-5 exited (exit code 0)", "one-off-6 exited (exit code 0)"], ended.Select(Detail).Order());
            // The web container still serves: a run is no deployment.
            Assert.Equal(System.Net.HttpStatusCode.OK, (await _node.Get(app)).Status);
        }
        finally
        {
            await DockerProbe.RemoveAppAsync(app);
        }
    }

    [Fact]
    public async Task With_a_terminal_the_end_of_piped_input_ends_the_input_after_a_whole_line_and_after_a_partial_one()
    {
        var app = _node.NewApp("runeof");
        using var dir = new AppDir();
        try
        {
            await _node.DeployAsync(dir, app);
            // cat ends at the terminal's end of input; on a partial line the first ^D only sends the line on.
            var whole = await _node.CliWithInput("a line\n", "run", app, "-t", "--", "cat");
            Assert.True(whole.ExitCode == 0 && whole.Stdout.Contains("a line"), whole.ToString());
            var partial = await _node.CliWithInput("no newline", "run", app, "-t", "--", "cat");
            Assert.True(partial.ExitCode == 0 && partial.Stdout.Contains("no newline"), partial.ToString());
        }
        finally
        {
            await DockerProbe.RemoveAppAsync(app);
        }
    }

    [Fact]
    public async Task A_killed_client_takes_its_container_along_ctrl_c_reaches_the_process_and_silence_times_out()
    {
        var app = _node.NewApp("runkill");
        using var dir = new AppDir();
        try
        {
            await _node.DeployAsync(dir, app);

            using (var killed = _node.StartCli("run", app, "--", "sh", "-c", "echo started; sleep 600"))
            {
                await killed.WaitForLine(l => l == "started", Within, "started");
                Assert.Single(await OneOffs(app));
            }
            await Eventually.Until(() => OneOffs(app), c => c.Count == 0, Within, "the killed client's container removed");
            var gone = await Eventually.Until(() => Audit(app, "OneOffEnded"), e => e.Count == 1, Within, "its end journaled");
            Assert.Contains("its client went away", Detail(gone[0]));

            // Without a terminal, Ctrl-C (SIGINT to the CLI) is sent on to the process, whose exit code comes back.
            using (var interrupted = _node.StartCli("run", app, "--", "sh", "-c",
                       "trap 'echo interrupted; exit 7' INT; echo ready; while true; do sleep 1; done"))
            {
                await interrupted.WaitForLine(l => l == "ready", Within, "ready");
                await interrupted.SignalAsync("INT");
                Assert.Equal(7, await interrupted.ExitAsync(Within));
                Assert.Contains("interrupted", interrupted.Lines);
            }

            var silent = await _node.Cli("run", app, "--timeout", "2s", "--", "sh", "-c", "echo once; sleep 600");
            Assert.Equal(1, silent.ExitCode);
            Assert.Equal("once", silent.Stdout.Trim());
            Assert.Contains("no output for 00:00:02: stopped", silent.Stderr);
            await Eventually.Until(() => OneOffs(app), c => c.Count == 0, Within, "the silent run's container removed");
        }
        finally
        {
            await DockerProbe.RemoveAppAsync(app);
        }
    }

    [Fact]
    public async Task A_detached_run_shows_in_ps_and_logs_survives_a_deploy_and_stops_on_request()
    {
        var app = _node.NewApp("rund");
        using var dir = new AppDir();
        try
        {
            await _node.DeployAsync(dir, app);
            var started = await _node.CliOk("run", app, "--detach", "--", "sh", "-c", "echo detached says hi; while true; do sleep 1; done");
            var id = started.Stdout.Split(' ')[0];
            Assert.Equal($"{app}/one-off-1", id);

            var ps = await _node.CliOk("ps", app, "--json");
            Assert.Contains(JsonDocument.Parse(ps.Stdout).RootElement.EnumerateArray(),
                c => c.GetProperty("name").GetString() == "one-off-1" && c.GetProperty("state").GetString() == "running");
            await Eventually.Until(async () => (await _node.CliOk("logs", app, "--type", "one-off")).Stdout,
                s => s.Contains("one-off-1[v1]: detached says hi"), Within, "its line in the app's logs");

            // A new release replaces the web containers, not the one-off.
            await _node.DeployAsync(dir, app);
            Assert.Equal("running", (await OneOffs(app)).Single().State);

            var stop = await _node.CliOk("run", "stop", id);
            Assert.Contains($"{id} stopped (failed, exit code", stop.Stdout);
            await Eventually.Until(() => OneOffs(app), c => c.Count == 0, Within, "its container removed");
            var ended = Assert.Single(await Audit(app, "OneOffEnded"));
            Assert.Contains("stopped by `engine run stop`", Detail(ended));
            Assert.Equal(1, (await _node.Cli("run", "stop", id)).ExitCode); // ended already: 409
        }
        finally
        {
            await DockerProbe.RemoveAppAsync(app);
        }
    }

    [Fact]
    public async Task After_a_restart_the_node_re_attaches_to_its_detached_run_and_removes_one_off_leftovers()
    {
        await using var node = await EngineNode.StartAsync();
        var app = node.NewApp("runre");
        using var dir = new AppDir();
        try
        {
            await node.DeployAsync(dir, app);
            await node.CliOk("run", app, "-d", "--", "sh", "-c", "while true; do sleep 1; done");
            // What an owner that died between journaling a run's end and removing its container leaves.
            await DockerProbe.StartStrayAsync(node.InstanceId(), app, $"{app}-v1", "one-off", 7);
            await node.KillAsync();
            await node.RestartAsync();

            await node.CliOk("ps", app); // wakes the app
            await Eventually.Until(() => OneOffs(app), c => c.Count == 1, Within, "the leftover one-off-7 removed");
            Assert.Equal("running", (await OneOffs(app)).Single().State);
            var stop = await node.CliOk("run", "stop", $"{app}/one-off-1");
            Assert.Contains("stopped (failed, exit code", stop.Stdout);
            await Eventually.Until(() => OneOffs(app), c => c.Count == 0, Within, "the stopped run's container removed");
            Assert.Contains("stopped by `engine run stop`", Detail(Assert.Single(await Audit(node, app, "OneOffEnded"))));
        }
        finally
        {
            await DockerProbe.RemoveAppAsync(app);
        }
    }

    [Fact]
    public async Task Bad_runs_get_clear_errors()
    {
        var unknown = await _node.Cli("run", _node.NewApp("norun"), "--", "true");
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("not found", unknown.Stderr);

        var undeployed = _node.NewApp("undeployed");
        await _node.CliOk("env", "set", undeployed, "A=1");
        var noRelease = await _node.Cli("run", undeployed, "--", "true");
        Assert.Equal(1, noRelease.ExitCode);
        Assert.Contains("has no routed release to run: deploy it first", noRelease.Stderr);

        Assert.Equal(2, (await _node.Cli("run", undeployed)).ExitCode);
        var badEnv = await _node.Cli("run", undeployed, "-e", "NOEQUALS", "--", "true");
        Assert.Equal(2, badEnv.ExitCode);
        Assert.Contains("--env takes KEY=VALUE", badEnv.Stderr);
        var badTimeout = await _node.Cli("run", undeployed, "--timeout", "soon", "--", "true");
        Assert.Equal(2, badTimeout.ExitCode);
        Assert.Contains("--timeout takes a duration", badTimeout.Stderr);
        var badId = await _node.Cli("run", "stop", "one-off-1");
        Assert.Equal(2, badId.ExitCode);
        Assert.Contains("APP/one-off-N", badId.Stderr);
        var noSuchRun = await _node.Cli("run", "stop", $"{undeployed}/one-off-9");
        Assert.Equal(1, noSuchRun.ExitCode);
        Assert.Contains("has no one-off 9", noSuchRun.Stderr);
        // The attach endpoint itself: a plain request, an unknown app, a run that never was; each answered, none hangs.
        using var http = new HttpClient();
        var plain = await http.GetAsync($"{_node.AdminUrl}/api/apps/{undeployed}/runs/1/attach");
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, plain.StatusCode);
        Assert.Contains("not found", await AttachEnd(_node.NewApp("noattach"), 1));
        Assert.Contains("has no one-off 9", await AttachEnd(undeployed, 9));
    }

    /// <summary>The error of the end frame the node sends an attach that cannot be.</summary>
    private async Task<string> AttachEnd(string app, int number)
    {
        using var socket = new System.Net.WebSockets.ClientWebSocket();
        using var limit = new CancellationTokenSource(Within);
        await socket.ConnectAsync(new Uri($"{_node.AdminUrl.Replace("http://", "ws://")}/api/apps/{app}/runs/{number}/attach"), limit.Token);
        var buffer = new byte[4096];
        var received = await socket.ReceiveAsync(buffer, limit.Token);
        var frame = JsonDocument.Parse(buffer.AsMemory(0, received.Count)).RootElement;
        Assert.True(frame.GetProperty("end").GetBoolean());
        return frame.GetProperty("error").GetString()!;
    }
}
