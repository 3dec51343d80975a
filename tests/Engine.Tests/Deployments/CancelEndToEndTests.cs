using System.Net;
using Engine.Tests.Support;

namespace Engine.Tests.Deployments;

/// <summary>`engine deployments cancel` on real Docker, from every phase a deployment can hold still in: it ends
/// `aborted` with who asked, its containers are gone, and the routed version serves on untouched.</summary>
[Collection(DockerCollection.Name)]
public sealed class CancelEndToEndTests
{
    private static AppDir Stalling(string phase)
    {
        var dir = phase switch
        {
            "starting" => new AppDir("web: sleep 600\n"), // never listens on $PORT
            "running-hook" => AppDir.WithHook("sleep 600"),
            _ => AppDir.WithHook("true"),
        };
        if (phase == "building") File.WriteAllText(dir.Combine("Dockerfile"), "FROM busybox\nRUN sleep 60\nCOPY . /app\nCMD [\"sh\", \"/app/web.sh\"]\n");
        return dir;
    }

    [Fact]
    public async Task A_cancel_from_each_phase_ends_aborted_removes_its_containers_and_never_touches_the_routed_version()
    {
        await using var node = await EngineNode.StartAsync("--start-timeout", "120", "--stop-grace", "1");
        var app = node.NewApp("cancel");
        using var v1 = AppDir.WithHook("true");
        await node.DeployAsync(v1, app);
        var routed = await DockerProbe.ContainersOf(app);
        Assert.Equal(["v1"], routed.Select(c => c.Version));

        var version = 1;
        foreach (var phase in new[] { "building", "starting", "running-hook" })
        {
            using var dir = Stalling(phase);
            var id = $"{app}-v{++version}";
            var deploy = node.Cli("deploy", dir.Path, "--app", app, "--json");
            await node.WaitForStatus(id, phase);

            var cancel = await node.Cli("deployments", "cancel", id, "--json");
            Assert.True(cancel.ExitCode == 0, $"{phase}: {cancel}");
            Assert.Equal("aborted", cancel.Json.GetProperty("status").GetString());
            Assert.Equal($"canceled by {Environment.UserName} while {phase}", cancel.Json.GetProperty("error").GetString());
            // The deploy that waited for it reports the failure, never a success.
            var deployed = await deploy;
            Assert.True(deployed.ExitCode == 1, $"{phase}: {deployed}");
            Assert.Equal("aborted", deployed.LastJson.GetProperty("status").GetString());

            Assert.Equal(routed, await DockerProbe.ContainersOf(app));
            Assert.Equal((HttpStatusCode.OK, $"version v1 of {app}"), await node.Get(app));
            var again = await node.Cli("deployments", "cancel", id);
            Assert.True(again.ExitCode == 1 && again.Stderr.Contains("already ended as aborted"), again.ToString());
        }

        // Queued behind a running one: it ends without ever running; the one that runs goes on until canceled too.
        using var holding = Stalling("running-hook");
        using var behind = AppDir.WithHook("true");
        var running = $"{app}-v{++version}";
        var queued = $"{app}-v{++version}";
        var first = node.Cli("deploy", holding.Path, "--app", app);
        await node.WaitForStatus(running, "running-hook");
        var second = node.Cli("deploy", behind.Path, "--app", app);
        await node.WaitForStatus(queued, "queued");
        await node.CliOk("deployments", "cancel", queued);
        Assert.Equal(1, (await second).ExitCode);
        Assert.Equal("running-hook", await node.StatusOf(running));
        await node.CliOk("deployments", "cancel", running);
        Assert.Equal(1, (await first).ExitCode);
        Assert.Equal(routed, await DockerProbe.ContainersOf(app));
        Assert.Equal((HttpStatusCode.OK, $"version v1 of {app}"), await node.Get(app));

        // Past its hook a deployment's switch is committed; a finished one is over.
        var refused = await node.Cli("deployments", "cancel", $"{app}-v1");
        Assert.True(refused.ExitCode == 1 && refused.Stderr.Contains("already ended as success"), refused.ToString());
        Assert.Equal(2, (await node.Cli("deployments", "cancel", "not an id")).ExitCode);
        Assert.Equal(1, (await node.Cli("deployments", "cancel", $"{app}-v99")).ExitCode);
    }
}
