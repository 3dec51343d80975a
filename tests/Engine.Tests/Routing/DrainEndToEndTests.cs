using System.Net;
using Engine.Tests.Support;

namespace Engine.Tests.Routing;

[Collection(DockerCollection.Name)]
public sealed class DrainEndToEndTests(SharedNode shared)
{
    private readonly EngineNode _node = shared.Node;

    // A web process whose /cgi-bin/slow answers after five seconds (well within the node's 20 s stop grace).
    private const string SlowWeb = """
        web: mkdir -p /tmp/www/cgi-bin && echo "version $CONTAINER_VERSION of $APP" > /tmp/www/index.html && printf '#!/bin/sh\nsleep 5\necho "Content-Type: text/plain"\necho\necho "slow answer from %s"\n' "$CONTAINER_VERSION" > /tmp/www/cgi-bin/slow && chmod +x /tmp/www/cgi-bin/slow && exec httpd -f -p "127.0.0.1:$PORT" -h /tmp/www

        """;

    [Fact]
    public async Task A_request_in_flight_to_the_old_version_finishes_before_its_container_is_stopped()
    {
        var app = _node.NewApp("drain");
        using var dir = new AppDir(SlowWeb);
        await _node.DeployAsync(dir, app);

        // The slow request starts while v2's two-second hook runs, so it is still in flight when traffic moves.
        using var gated = new AppDir(SlowWeb + "postdeploy: sleep 2\n");
        var v2 = _node.DeployAsync(gated, app);
        await _node.WaitForStatus($"{app}-v2", "running-hook");
        var slow = _node.Get(app, "/cgi-bin/slow");
        await v2;

        Assert.Equal((HttpStatusCode.OK, "slow answer from v1"), await slow);
        Assert.Equal((HttpStatusCode.OK, $"version v2 of {app}"), await _node.Get(app));
        Assert.Equal(["v2"], (await DockerProbe.ContainersOf(app)).Select(c => c.Version));
    }
}
