using System.Net;
using Engine.Tests.Support;

namespace Engine.Tests.Routing;

[Collection(DockerCollection.Name)]
public sealed class DrainEndToEndTests(SharedNode shared)
{
    private readonly EngineNode _node = shared.Node;

    // A web process whose /cgi-bin/slow answers after two seconds, naming its version.
    private const string SlowWeb = """
        web: mkdir -p /tmp/www/cgi-bin && echo "version $CONTAINER_VERSION of $APP" > /tmp/www/index.html && printf '#!/bin/sh\nsleep 2\necho "Content-Type: text/plain"\necho\necho "slow answer from %s"\n' "$CONTAINER_VERSION" > /tmp/www/cgi-bin/slow && chmod +x /tmp/www/cgi-bin/slow && exec httpd -f -p "127.0.0.1:$PORT" -h /tmp/www

        """;

    [Fact]
    public async Task A_request_in_flight_to_the_old_version_finishes_before_its_container_is_stopped()
    {
        var app = _node.NewApp("drain");
        using var dir = new AppDir(SlowWeb);
        await _node.DeployAsync(dir, app);

        var slow = _node.Get(app, "/cgi-bin/slow");
        await _node.DeployAsync(dir, app);

        Assert.Equal((HttpStatusCode.OK, "slow answer from v1"), await slow);
        Assert.Equal((HttpStatusCode.OK, $"version v2 of {app}"), await _node.Get(app));
        Assert.Equal(["v2"], (await DockerProbe.ContainersOf(app)).Select(c => c.Version));
    }
}
