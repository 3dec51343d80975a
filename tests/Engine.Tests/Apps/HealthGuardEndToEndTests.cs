using System.Text.Json;
using Engine.Tests.Support;

namespace Engine.Tests.Apps;

/// <summary>HTTP checks after a deployment succeeded, on real Docker and a real router: a web container that turns
/// unhealthy leaves the route while another one serves, is replaced once unhealthy for longer than the start timeout,
/// and rejoins; when every web container is failing, none leaves the route.</summary>
[Collection(DockerCollection.Name)]
public sealed class HealthGuardEndToEndTests(SharedNode shared)
{
    /// <summary>busybox httpd answering its slot and a token of its own (a replacement answers another one), with a check
    /// at /cgi-bin/up that fails (500) while /tmp/sick exists; a new container starts well.</summary>
    private static AppDir SickableApp()
    {
        var dir = new AppDir();
        File.WriteAllText(dir.Combine("web.sh"), """
            #!/bin/sh
            rm -f /tmp/sick
            mkdir -p /tmp/www/cgi-bin
            echo "$CONTAINER $(cat /proc/sys/kernel/random/uuid)" > /tmp/www/index.html
            cp /app/up /tmp/www/cgi-bin/up && chmod +x /tmp/www/cgi-bin/up
            exec httpd -f -p "127.0.0.1:$PORT" -h /tmp/www

            """.Replace("\r\n", "\n"));
        File.WriteAllText(dir.Combine("up"), """
            #!/bin/sh
            if [ -e /tmp/sick ]; then printf 'Status: 500 Internal Server Error\r\n\r\nsick\n'; else printf 'Status: 200 OK\r\n\r\nok\n'; fi

            """.Replace("\r\n", "\n"));
        return dir;
    }

    private static async Task<List<JsonElement>> Audit(EngineNode node, string app, string type) =>
        (await node.CliOk("audit", app, "--json")).Json.EnumerateArray().Where(e => e.GetProperty("type").GetString() == type).ToList();

    [Fact]
    public async Task An_unhealthy_web_container_leaves_the_route_without_a_failed_request_is_replaced_and_rejoins()
    {
        var node = shared.Node;
        var app = node.NewApp("unhealthy");
        using var dir = SickableApp();
        try
        {
            await node.CliOk("checks", app, "--path", "/cgi-bin/up", "--interval", "1s", "--timeout", "1s", "--unhealthy", "2");
            await node.DeployAsync(dir, app);
            await node.CliOk("scale", app, "web=2");
            var before = await DockerProbe.ContainerIdsOf(app);
            await using var loop = new RequestLoop(node, app);
            var both = await Eventually.Until(() => Task.FromResult(loop.Served.Select(s => s.Body).ToHashSet()),
                b => b.Select(x => x.Split(' ')[0]).ToHashSet().SetEquals(["web-1", "web-2"]), Deadlines.Within, "both web containers serving");
            var sick = both.Single(b => b.StartsWith("web-1 "));

            Assert.Equal(0, await DockerProbe.ExecAsync(app, "web-1", "touch", "/tmp/sick"));
            var unhealthy = await Eventually.Until(() => Audit(node, app, "ContainerUnhealthy"), e => e.Count == 1, Deadlines.Within, "web-1 unhealthy");
            Assert.Equal("web-1 unhealthy (500: sick): out of the route", unhealthy[0].GetProperty("detail").GetString());
            var outAt = loop.Now;
            // Replaced once unhealthy for over the start timeout (5 s), by a new container, which serves.
            await Eventually.Until(() => Audit(node, app, "ContainerRestarted"), e => e.Count == 1, Deadlines.Within, "web-1 replaced");
            var after = await DockerProbe.ContainerIdsOf(app);
            var web1 = before.Keys.Single(n => n.Contains("-web-1-"));
            Assert.NotEqual(before[web1], after[web1]);
            await Eventually.Until(() => Task.FromResult(loop.Served.Count(s => s.Body.StartsWith("web-1 ") && s.Body != sick)), n => n > 0,
                Deadlines.Within, "the new web-1 serving");
            await loop.DisposeAsync();
            Assert.Empty(loop.Failed);
            // Out of the route, the sick one served nothing more (but a request that was under way when it left).
            Assert.DoesNotContain(loop.Served, s => s.Body == sick && s.At > outAt + TimeSpan.FromSeconds(1));
        }
        finally
        {
            await DockerProbe.RemoveAppAsync(app);
        }
    }

    [Fact]
    public async Task When_every_web_container_fails_its_checks_none_leaves_the_route_and_it_keeps_serving()
    {
        // A long start timeout: the unhealthy container is not replaced while the test looks.
        await using var node = await EngineNode.StartAsync("--start-timeout", "120", "--stop-grace", "2");
        var app = node.NewApp("allsick");
        using var dir = SickableApp();
        await node.CliOk("checks", app, "--path", "/cgi-bin/up", "--interval", "1s", "--timeout", "1s", "--unhealthy", "2");
        await node.DeployAsync(dir, app);

        Assert.Equal(0, await DockerProbe.ExecAsync(app, "web-1", "touch", "/tmp/sick"));
        var unhealthy = await Eventually.Until(() => Audit(node, app, "ContainerUnhealthy"), e => e.Count == 1, Deadlines.Within, "web-1 unhealthy");
        Assert.Equal("web-1 unhealthy (500: sick): kept in the route: every other web container is failing too",
            unhealthy[0].GetProperty("detail").GetString());
        for (var i = 0; i < 20; i++)
        {
            var (status, body) = await node.Get(app);
            Assert.Equal((System.Net.HttpStatusCode.OK, "web-1"), (status, body.Split(' ')[0]));
        }
        Assert.Contains("it keeps serving", node.Output);

        Assert.Equal(0, await DockerProbe.ExecAsync(app, "web-1", "rm", "/tmp/sick"));
        await Eventually.Until(() => Task.FromResult(node.Output), o => o.Contains("web-1 is healthy again"), Deadlines.Within, "healthy again");
        Assert.Empty(await Audit(node, app, "ContainerRestarted"));
    }
}
