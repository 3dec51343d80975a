using System.Net;
using System.Text.Json;
using Engine.Tests.Support;

namespace Engine.Tests.Containers;

/// <summary>`engine checks` and an image's own HEALTHCHECK while a deployment starts, on real Docker: a web container is up
/// only once GET PATH answers 2xx or 3xx (or Docker calls it healthy); otherwise the deployment ends timeout-error naming
/// what it last got, and the routed release keeps serving. (The shared node's start timeout is 5 s.)</summary>
[Collection(DockerCollection.Name)]
public sealed class HealthChecksEndToEndTests(SharedNode shared)
{
    private readonly EngineNode _node = shared.Node;

    /// <summary>busybox httpd, with a CGI at /cgi-bin/up that answers <paramref name="status"/> and <paramref name="body"/>.</summary>
    private static void Serve(AppDir dir, string status, string body)
    {
        File.WriteAllText(dir.Combine("web.sh"), """
            #!/bin/sh
            mkdir -p /tmp/www/cgi-bin
            echo "version $CONTAINER_VERSION of $APP" > /tmp/www/index.html
            cp /app/up /tmp/www/cgi-bin/up && chmod +x /tmp/www/cgi-bin/up
            exec httpd -f -p "127.0.0.1:$PORT" -h /tmp/www

            """.Replace("\r\n", "\n"));
        File.WriteAllText(dir.Combine("up"), $"#!/bin/sh\nprintf 'Status: {status}\\r\\nContent-Type: text/plain\\r\\n\\r\\n{body}\\n'\n");
    }

    [Fact]
    public async Task A_web_container_whose_check_answers_500_fails_its_deployment_naming_500_and_one_answering_200_deploys()
    {
        var app = _node.NewApp("checks");
        using var dir = new AppDir();
        try
        {
            Serve(dir, "500 Internal Server Error", "database down");
            await _node.DeployAsync(dir, app); // no checks yet: accepting TCP is enough
            Assert.Contains("no HTTP checks", (await _node.CliOk("checks", app)).Stdout);
            Assert.Equal(2, (await _node.Cli("checks", app, "--interval", "0s")).ExitCode);
            Assert.Equal(2, (await _node.Cli("checks", app, "--port-from", "8080")).ExitCode);
            Assert.Equal(2, (await _node.Cli("checks", app, "--path", "up")).ExitCode);
            var set = await _node.CliOk("checks", app, "--path", "/cgi-bin/up", "--interval", "1s", "--timeout", "1s");
            Assert.Contains("GET /cgi-bin/up on $PORT, every 1s, timeout 1s", set.Stdout);

            var (status, error) = await _node.DeployFailingAsync(dir, app);
            Assert.Equal("timeout-error", status);
            Assert.Contains("web-1 did not answer GET /cgi-bin/up with 2xx or 3xx within 5 s: the last answer was 500: database down", error);
            var (served, body) = await _node.Get(app);
            Assert.Equal((HttpStatusCode.OK, $"version v1 of {app}"), (served, body));
            Assert.All(await DockerProbe.ContainersOf(app), c => Assert.Equal("v1", c.Version));

            Serve(dir, "200 OK", "ok");
            Assert.Equal("v3", (await _node.DeployAsync(dir, app)).LastJson.GetProperty("version").GetString());
            Assert.Equal($"version v3 of {app}", (await _node.Get(app)).Body);

            await _node.CliOk("checks", app, "--off");
            Assert.Equal(JsonValueKind.Null, (await _node.CliOk("checks", app, "--json")).Json.ValueKind);
            var audit = (await _node.CliOk("audit", app, "--json")).Json.EnumerateArray().Select(e => e.GetProperty("type").GetString()).ToList();
            Assert.Equal(2, audit.Count(t => t == "ChecksChanged"));
            Assert.Equal(2, audit.Count(t => t == "ChecksPlanned")); // v2's and v3's
        }
        finally
        {
            await DockerProbe.RemoveAppAsync(app);
        }
    }

    [Fact]
    public async Task An_images_own_HEALTHCHECK_must_say_healthy_before_its_container_counts_as_up()
    {
        var app = _node.NewApp("hcheck");
        using var dir = new AppDir();
        try
        {
            File.WriteAllText(dir.Combine("Dockerfile"), """
                FROM busybox
                COPY . /app
                HEALTHCHECK --interval=1s --timeout=1s --retries=1 CMD test -n "$HEALTHY" || { echo "HEALTHY is not set"; exit 1; }

                """.Replace("\r\n", "\n"));
            var (status, error) = await _node.DeployFailingAsync(dir, app);
            Assert.Equal("timeout-error", status);
            Assert.Contains("web-1 was not healthy within 5 s (its image's HEALTHCHECK says unhealthy: HEALTHY is not set)", error);

            await _node.CliOk("env", "set", app, "HEALTHY=yes");
            await _node.DeployAsync(dir, app);
            Assert.Equal((HttpStatusCode.OK, $"version v2 of {app}"), await _node.Get(app));
        }
        finally
        {
            await DockerProbe.RemoveAppAsync(app);
        }
    }
}
