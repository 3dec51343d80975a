using System.Text.Json;
using Engine.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using static Engine.Tests.Support.Deadlines;

namespace Engine.Tests.Palettes;

/// <summary>The operator palettes from the CLI against a running node: one-shot, --json, the interactive prompt through
/// standard input, and commands only the node knows.</summary>
[Collection(DockerCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PaletteEndToEndTests(SharedNode shared)
{
    private EngineNode Node => shared.Node;

    private static List<string> Ids(CliResult listed) =>
        [.. listed.Json.GetProperty("deployments").EnumerateArray().Select(d => d.GetProperty("id").GetString()!)];

    [Fact]
    public async Task Deployments_and_apps_palettes_list_show_and_read_logs_one_shot_and_as_json()
    {
        var app = Node.NewApp("palette");
        await Node.CliOk("env", "set", app, "GREETING=hello world");
        using var dir = AppDir.WithHook("echo migrated");
        await Node.DeployAsync(dir, app);
        await Node.DeployAsync(dir, app);

        var listed = await Node.Cli("deployments", "list", app, "--json");
        Assert.True(listed.ExitCode == 0, listed.ToString());
        Assert.Equal([$"{app}-v1", $"{app}-v2"], Ids(listed));
        Assert.Contains($"{app}-v2", Ids(await Node.Cli("deployments", "list", "--json")));
        var table = await Node.Cli("deployments", "list", app);
        Assert.Contains("STATUS", table.Stdout);
        Assert.Equal(2, table.Stdout.Split('\n').Count(l => l.Contains(app) && l.Contains("success")));
        Assert.Equal("success", (await Node.Cli("deployments", "show", $"{app}-v2", "--json")).Json.GetProperty("status").GetString());

        var log = await Node.Cli("deployments", "logs", $"{app}-v2");
        Assert.Contains("migrated", log.Stdout);
        Assert.EndsWith("-----> success\n", log.Stdout);
        var offset = log.Stdout.IndexOf("-----> success", StringComparison.Ordinal);
        Assert.Equal("-----> success\n", (await Node.Cli("deployments", "logs", $"{app}-v2", "--offset", offset.ToString())).Stdout);
        // A finished deployment's followed log ends by itself.
        var followed = await Node.Cli("deployments", "logs", $"{app}-v2", "--follow", "--json");
        Assert.Equal(log.Stdout, followed.Json.GetProperty("text").GetString());

        Assert.Equal("GREETING=hello world", (await Node.Cli("apps", "env", app)).Stdout.Trim());
        var apps = await Node.Cli("apps", "list", "--json");
        Assert.Contains(apps.Json.EnumerateArray(), a => a.GetProperty("name").GetString() == app && a.GetProperty("routed_version").GetString() == "v2");
        var ps = await Node.Cli("apps", "ps", app, "--json");
        Assert.Equal(["v2"], ps.Json.EnumerateArray().Select(c => c.GetProperty("version").GetString()));

        Assert.Equal(2, (await Node.Cli("deployments", "list", "Bad_Name")).ExitCode);
        Assert.Equal(1, (await Node.Cli("deployments", "show", $"{app}-v9")).ExitCode);
        Assert.Equal(2, (await Node.Cli("deployments", "logs")).ExitCode);
    }

    [Fact]
    public async Task A_followed_log_streams_while_the_deployment_runs_and_ends_with_it()
    {
        var app = Node.NewApp("follow");
        using var gate = new HookGate();
        using var dir = AppDir.WithHook(gate.Hook);
        var deploy = Node.Cli("deploy", dir.Path, "--app", app);
        var id = $"{app}-v1";
        await Node.WaitForStatus(id, "running-hook");
        using var follow = Node.StartCli("deployments", "logs", id, "--follow");
        await follow.WaitForLine(l => l == "hook-begins", Within, "hook-begins");
        Assert.DoesNotContain("hook-ends", follow.Lines);
        gate.Open();
        Assert.Equal(0, await follow.ExitAsync(Within));
        Assert.Equal("-----> success", follow.Lines[^1]);
        Assert.Contains("hook-ends", follow.Lines);
        Assert.Equal(0, (await deploy).ExitCode);
    }

    [Fact]
    public async Task The_actor_palette_shows_the_live_tree_of_the_node()
    {
        var tree = await Node.Cli("actor", "hierarchy", "--depth", "1", "--json");
        Assert.True(tree.ExitCode == 0, tree.ToString());
        var names = tree.Json.GetProperty("actors").EnumerateArray().Select(a => a.GetProperty("name").GetString()).ToList();
        Assert.Equal("/user", names[0]);
        Assert.Contains("operator-log", names);
        Assert.Contains("router", names);
        var human = await Node.Cli("actor", "hierarchy", "--path", "/user/router", "--depth", "0");
        Assert.Equal("/user/router", human.Stdout.Trim());
        Assert.Equal(1, (await Node.Cli("actor", "hierarchy", "--path", "/user/nobody")).ExitCode);
        Assert.Equal(2, (await Node.Cli("actor", "hierarchy", "--depth", "99")).ExitCode);
        Assert.Equal(1, (await Node.Cli("actor", "hierarchy", "--node", "akka.tcp://engine@127.0.0.1:1")).ExitCode);
    }

    [Fact]
    public async Task The_prompt_runs_each_line_as_the_one_shot_command_and_help_lists_what_the_node_describes()
    {
        var app = Node.NewApp("prompt");
        var session = await Node.CliWithInput($"help\nenv set {app} \"A=one two\"\n\nno-such-command\napps env {app} --json\n", []);
        Assert.True(session.ExitCode == 0, session.ToString());
        Assert.StartsWith("connected to", session.Stdout);
        Assert.Equal(6, session.Stdout.Split("engine> ").Length - 1); // one per line read, and one that met the end of input
        Assert.Contains("cluster: ", session.Stdout);
        Assert.Contains("  deployments cancel ID", session.Stdout);
        Assert.Contains("Unrecognized command or argument 'no-such-command'", session.Stderr);
        var env = session.Stdout[session.Stdout.LastIndexOf('{')..session.Stdout.LastIndexOf('}')];
        Assert.Contains("\"A\": \"one two\"", env);

        var unreachable = await EngineNode.RunCli("http://127.0.0.1:1", []);
        Assert.True(unreachable.ExitCode == 2 && unreachable.Stderr.Contains("cannot reach the engine"), unreachable.ToString());
    }

    [Fact]
    public async Task The_prompt_reads_no_response_file_survives_a_NUL_byte_and_keeps_a_private_masked_history()
    {
        var home = Directory.CreateTempSubdirectory("engine-home-").FullName;
        try
        {
            var history = Path.Combine(home, ".engine_history");
            File.WriteAllText(history, "apps --token old-token\n");
            File.SetUnixFileMode(history, (UnixFileMode)0b110_100_100); // 0644, as earlier versions left it
            var arguments = Path.Combine(home, "arguments");
            File.WriteAllText(arguments, "apps --json\n");
            var app = Node.NewApp("history");

            var session = await Node.PromptAt(home, $"@\0\n@{arguments}\nenv set {app} SECRET=hunter2 --token=tok123\napps env {app}\n");
            Assert.True(session.ExitCode == 0, session.ToString());
            Assert.Equal(5, session.Stdout.Split("engine> ").Length - 1); // the prompt went on after each line
            Assert.Contains("error: Unrecognized command or argument '@\0'", session.Stderr);
            Assert.Contains($"error: Unrecognized command or argument '@{arguments}'", session.Stderr);
            Assert.DoesNotContain("Unhandled", session.Stderr);
            Assert.DoesNotContain("\"routed_version\"", session.Stdout); // the file's `apps --json` never ran
            Assert.Contains("SECRET=hunter2", session.Stdout);

            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(history));
            Assert.Equal(["apps --token ***", "@\0", $"@{arguments}", $"env set {app} SECRET=*** --token=***", $"apps env {app}"],
                File.ReadAllLines(history));
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    /// <summary>A node newer than the CLI describes a palette the CLI was built without: the CLI runs it from that
    /// description.</summary>
    [Fact]
    public async Task A_command_only_the_node_describes_runs_from_its_description()
    {
        var builder = WebApplication.CreateSlimBuilder();
        var port = TestPorts.Take(1)[0];
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        await using var newer = builder.Build();
        newer.MapGet("/api/palettes", () => Results.Text("""
            [{"name":"greetings","description":"From a newer node","commands":[{"name":"greet","description":"Greets",
              "method":"GET","path":"api/greetings/{who}","output":"object","arguments":[{"name":"who","description":"Whom","required":true}],
              "options":[{"name":"loud","description":"Shout","flag":true}],"columns":null,"rows":null}]}]
            """, "application/json"));
        newer.MapGet("/api/greetings/{who}", (string who, bool? loud) =>
            Results.Json(new Dictionary<string, string> { ["greeting"] = loud == true ? $"HELLO {who.ToUpperInvariant()}" : $"hello {who}" }));
        await newer.StartAsync();
        var server = $"http://127.0.0.1:{port}";

        var greeted = await EngineNode.RunCli(server, "greetings", "greet", "bob", "--loud", "--json");
        Assert.True(greeted.ExitCode == 0, greeted.ToString());
        Assert.Equal("HELLO BOB", greeted.Json.GetProperty("greeting").GetString());
        Assert.Contains("hello bob", (await EngineNode.RunCli(server, "greetings", "greet", "bob")).Stdout);
        Assert.Equal(2, (await EngineNode.RunCli(server, "greetings", "wave")).ExitCode);
    }
}
