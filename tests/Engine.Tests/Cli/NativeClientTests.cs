using System.Diagnostics;
using Engine.Tests.Support;

namespace Engine.Tests.Cli;

/// <summary>The native client (src/Engine.Client) and the node's own build are one CLI: every other test runs the native
/// one; these hold the two to the same answers and check what only the native one lacks.</summary>
[Collection(DockerCollection.Name)]
public sealed class NativeClientTests(SharedNode shared)
{
    private EngineNode Node => shared.Node;

    [Fact]
    public async Task The_node_build_deploys_and_answers_every_query_as_the_native_client_does()
    {
        var app = Node.NewApp("native");
        using var dir = AppDir.WithHook("echo migrated");
        var deployed = await Node.NodeBuildCli("deploy", dir.Path, "--app", app, "--json");
        Assert.True(deployed.ExitCode == 0, deployed.ToString());
        Assert.Equal("success", deployed.LastJson.GetProperty("status").GetString());
        await Node.CliOk("env", "set", app, "GREETING=hello world");

        foreach (var args in new string[][]
                 {
                     ["apps", "--json"], ["deployments", app, "--json"], ["env", app, "--json"], ["scale", app, "--json"],
                     ["deployments", "list", app, "--csv"], ["audit", app], ["deployment", "show", $"{app}-v1"], ["cluster", "show"],
                 })
        {
            var native = await Node.Cli(args);
            var jit = await Node.NodeBuildCli(args);
            Assert.True(native.ExitCode == 0, native.ToString());
            Assert.Equal(jit.ExitCode, native.ExitCode);
            Assert.Equal(jit.Stdout, native.Stdout);
        }
        var bad = new[] { "scale", app, "web=x" };
        Assert.Equal((await Node.NodeBuildCli(bad)).ToString(), (await Node.Cli(bad)).ToString());
    }

    [Fact]
    public async Task The_native_client_runs_no_node_and_says_which_build_does()
    {
        var psi = new ProcessStartInfo(NativeClient.Path, ["serve", "--data-dir", "/nonexistent"])
            { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(psi)!;
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(limit.Token);
        Assert.Equal(2, process.ExitCode);
        Assert.Contains("engine.dll serve", await stderr);
    }
}
