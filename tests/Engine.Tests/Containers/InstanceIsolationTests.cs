using System.Net;
using Engine.Tests.Support;
using static Engine.Tests.Support.Deadlines;

namespace Engine.Tests.Containers;

/// <summary>Two engines on one Docker engine: image tags and container names must not collide.</summary>
[Collection(DockerCollection.Name)]
public sealed class InstanceIsolationTests
{
    private static AppDir ServingText(string text)
    {
        var dir = new AppDir();
        File.WriteAllText(dir.Combine("web.sh"), AppDir.WebScript.Replace("version $CONTAINER_VERSION", text) + "\n");
        return dir;
    }

    [Fact]
    public async Task Two_nodes_deploy_the_same_app_name_and_each_serves_its_own_build_also_after_a_restart()
    {
        await using var a = await EngineNode.StartAsync("--start-timeout", "20", "--stop-grace", "2");
        await using var b = await EngineNode.StartAsync("--start-timeout", "20", "--stop-grace", "2");
        var app = a.NewApp("twin"); // a's disposal removes both nodes' containers of the app (by the app label)
        using var fromA = ServingText("built by a");
        using var fromB = ServingText("built by b");
        try
        {
            await a.DeployAsync(fromA, app);
            await b.DeployAsync(fromB, app);

            Assert.Equal((HttpStatusCode.OK, $"built by a of {app}"), await a.Get(app));
            Assert.Equal((HttpStatusCode.OK, $"built by b of {app}"), await b.Get(app));
            Assert.Equal(2, (await DockerProbe.ImageTagsOf(app)).Count);

            // a's web container goes while a is down: a must recreate it from its own image, not b's.
            await a.KillAsync();
            await DockerProbe.RemoveAsync(a.ContainerName($"{app}-v1-web-1"));
            await a.RestartAsync();

            var served = await Eventually.Until(() => a.Get(app), r => r.Status == HttpStatusCode.OK, Within, "a to serve again");
            Assert.Equal($"built by a of {app}", served.Body);
            Assert.Equal((HttpStatusCode.OK, $"built by b of {app}"), await b.Get(app));
            Assert.Single(await DockerProbe.ContainersOf(app, a.InstanceId()));
            Assert.Single(await DockerProbe.ContainersOf(app, b.InstanceId()));
        }
        finally
        {
            await DockerProbe.RemoveAppAsync(app);
            await DockerProbe.RemoveImagesOfAsync(app);
        }
    }
}
