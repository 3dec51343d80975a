using System.Net;
using Engine.Tests.Support;

namespace Engine.Tests.Routing;

[Collection(DockerCollection.Name)]
public sealed class RouterEndToEndTests(SharedNode shared)
{
    private readonly EngineNode _node = shared.Node;

    [Fact]
    public async Task Unknown_apps_and_apps_without_a_routed_version_get_a_clear_503()
    {
        var unknown = await _node.Get("never-deployed-app");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, unknown.Status);
        Assert.Contains("unknown app 'never-deployed-app'", unknown.Body);

        var app = _node.NewApp("unrouted");
        await _node.CliOk("env", "set", app, "A=1");
        var unrouted = await _node.Get(app);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, unrouted.Status);
        Assert.Contains($"app '{app}' has no routed version", unrouted.Body);

        var noWeb = _node.NewApp("noweb");
        using var workerOnly = new AppDir("worker: sleep 600\n");
        await _node.DeployAsync(workerOnly, noWeb);
        var unserved = await _node.Get(noWeb);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, unserved.Status);
        Assert.Contains($"app '{noWeb}' runs no web process", unserved.Body);

        var elsewhere = await _node.Get("x", host: "example.test");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, elsewhere.Status);
        Assert.Contains("no app is served at 'example.test'", elsewhere.Body);
    }

    [Fact]
    public async Task The_admin_API_cannot_be_reached_through_the_router_port()
    {
        var adminPort = new Uri(_node.AdminUrl).Port;
        var spoofed = await _node.Get("x", "/api/apps", host: $"127.0.0.1:{adminPort}");
        // The router's own pipeline holds no admin endpoint: the admin Host is just a host no app is served at.
        Assert.Equal(HttpStatusCode.ServiceUnavailable, spoofed.Status);
        Assert.Contains("no app is served at '127.0.0.1'", spoofed.Body);
        Assert.DoesNotContain("routed_version", spoofed.Body);
    }
}
