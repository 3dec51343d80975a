using System.Diagnostics;
using System.Net;
using Engine.Tests.Support;
using Engine.Protocol;

namespace Engine.Tests.Hosting;

/// <summary>An unwritable journal (`chattr +i`, which root cannot write through either) on a real node.</summary>
[Collection(DockerCollection.Name)]
public sealed class JournalFailureEndToEndTests
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task While_the_journal_cannot_be_written_commands_fail_at_once_apps_serve_and_the_node_recovers_by_itself()
    {
        await using var node = await EngineNode.StartAsync("--start-timeout", "20", "--stop-grace", "2");
        var app = node.NewApp("jfail");
        var fresh = node.NewApp("jnew");
        using var dir = new AppDir();
        await node.DeployAsync(dir, app);
        var db = Path.Combine(node.DataDir, "engine.db");

        await Chattr.SetAsync("+i", db);
        try
        {
            // An existing app's write (its app actor) and a new app's registration (the registry) both fail clearly.
            var existing = await node.Cli("env", "set", app, "A=1");
            Assert.True(existing.ExitCode != 0, existing.ToString());
            Assert.Contains("the journal cannot be written", existing.Stderr);
            var created = await node.Cli("env", "set", fresh, "A=1");
            Assert.True(created.ExitCode != 0, created.ToString());
            Assert.Contains("journal", created.Stderr);
            Assert.Equal((HttpStatusCode.OK, $"version v1 of {app}"), await node.Get(app));
        }
        finally
        {
            await Chattr.SetAsync("-i", db);
        }

        // No restart: the node takes writes again by itself.
        await Eventually.Until(() => node.Cli("env", "set", app, "A=2"), r => r.ExitCode == 0, Within, "env set on the app to work again");
        await Eventually.Until(() => node.Cli("env", "set", fresh, "A=2"), r => r.ExitCode == 0, Within, "env set on a new app to work again");
        var apps = await node.Cli("apps", "--json");
        Assert.True(apps.ExitCode == 0, apps.ToString());
        var names = apps.Json.EnumerateArray().Select(a => a.GetProperty("name").GetString()).ToList();
        Assert.Contains(app, names);
        Assert.Contains(fresh, names);
        Assert.Contains("A=2", (await node.Cli("env", app)).Stdout);
        Assert.Equal((HttpStatusCode.OK, $"version v1 of {app}"), await node.Get(app));
    }

    [Fact]
    public async Task A_deployment_whose_journal_write_fails_mid_flight_ends_once_the_journal_works_again()
    {
        await using var node = await EngineNode.StartAsync("--start-timeout", "20", "--stop-grace", "2");
        var app = node.NewApp("jmid");
        using var v1 = new AppDir();
        await node.DeployAsync(v1, app);
        var db = Path.Combine(node.DataDir, "engine.db");

        using var v2 = AppDir.WithHook("sleep 4");
        var deploy = node.Cli("deploy", v2.Path, "--app", app);
        await node.WaitForStatus($"{app}-v2", "running-hook");
        await Chattr.SetAsync("+i", db);
        try
        {
            // The hook ends while the journal is read-only: its outcome cannot be journaled.
            await Eventually.Until(() => DockerProbe.ContainersOf(app), c => c.Any(x => x.Type == "postdeploy" && x.State == "exited"),
                Within, "the hook to end");
            Assert.Equal((HttpStatusCode.OK, $"version v1 of {app}"), await node.Get(app));
        }
        finally
        {
            await Chattr.SetAsync("-i", db);
        }

        // The journal works again: the deployment goes on (its hook's exit code is still there to read) and ends.
        var end = await Eventually.Until(() => node.StatusOf($"{app}-v2"), DeploymentStatus.IsTerminal,
            Within, "v2 to end");
        Assert.Equal("success", end);
        var log = (await node.Cli("deployment", "logs", $"{app}-v2")).Stdout;
        Assert.Contains("the journal cannot be written", log);
        Assert.Contains("re-attached", log);
        Assert.Equal((HttpStatusCode.OK, $"version v2 of {app}"), await node.Get(app));
        await deploy;
    }
}
