using System.Diagnostics;
using Engine.Tests.Support;
using static Engine.Tests.Support.Deadlines;

namespace Engine.Tests.Containers;

/// <summary>Docker really failing to remove a container: an immutable file (chattr +i) in its writable layer makes
/// Docker leave it "dead" with "failed to remove root filesystem".</summary>
[Collection(DockerCollection.Name)]
public sealed class RemovalFailureTests(SharedNode shared)
{
    private readonly EngineNode _node = shared.Node;

    private static AppDir PinnableApp() =>
        new("web: sh /app/web.sh\nworker: touch /tmp/pinned; exec sleep 600\npostdeploy: sleep 4; exit 1\n");

    /// <summary>Waits for the deployment's hook, then makes its worker impossible to remove; returns the pinned file.</summary>
    private async Task<string> PinWorkerAsync(string app, string version)
    {
        await _node.WaitForStatus($"{app}-{version}", "running-hook");
        var file = Path.Combine(await DockerProbe.UpperDirOf(_node.ContainerName($"{app}-{version}-worker-1")), "tmp", "pinned");
        await Chattr.SetAsync("+i", file);
        return file;
    }

    [Fact]
    public async Task A_failed_deployment_ends_only_once_Docker_removed_its_containers_or_names_those_left()
    {
        var app = _node.NewApp("pinned");
        using var dir = PinnableApp();
        var pinned = new List<string>();
        try
        {
            // v1: the removal fails, is retried, and succeeds once the file is unpinned; only then the end is journaled.
            var first = _node.DeployFailingAsync(dir, app);
            pinned.Add(await PinWorkerAsync(app, "v1"));
            // (Docker's list keeps showing such a container as "removing"; inspect says "dead".)
            var worker = _node.ContainerName($"{app}-v1-worker-1");
            await Eventually.Until(() => DockerProbe.StateOf(worker), s => s == "dead", Within, "Docker to fail the worker's removal");
            Assert.Equal("running-hook", await _node.StatusOf($"{app}-v1"));
            await Chattr.SetAsync("-i", pinned[0]);
            var (status, error) = await first;
            Assert.Equal(("hook-error", "the postdeploy hook exited with code 1"), (status, error));
            Assert.Empty(await DockerProbe.ContainersOf(app));

            // v2: the file stays pinned: after the retries the final error names the container left behind.
            var second = _node.DeployFailingAsync(dir, app);
            pinned.Add(await PinWorkerAsync(app, "v2"));
            (status, error) = await second;
            Assert.Equal("hook-error", status);
            Assert.StartsWith($"the postdeploy hook exited with code 1; 1 container(s) could not be removed: {_node.ContainerName($"{app}-v2-worker-1")}", error);
            Assert.Equal([_node.ContainerName($"{app}-v2-worker-1")], (await DockerProbe.ContainersOf(app)).Select(c => c.Name));
            Assert.Equal("dead", await DockerProbe.StateOf(_node.ContainerName($"{app}-v2-worker-1")));
        }
        finally
        {
            foreach (var file in pinned) await Chattr.RunAsync("-i", file); // v1's is gone with its container by now
            await DockerProbe.RemoveAppAsync(app);
        }
    }
}
