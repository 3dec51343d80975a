using System.Formats.Tar;
using System.Net;
using System.Text.Json;
using Engine.Protocol;
using Engine.Api;
using Engine.Tests.Support;

namespace Engine.Tests.Deployments;

/// <summary>Many `engine deploy` at once on a node that has just started, and uploads sent again after a lost answer:
/// every CLI exits with its deployment's real outcome, and a repeat makes no second deployment.</summary>
[Collection(DockerCollection.Name)]
public sealed class ConcurrentDeployEndToEndTests(SharedNode shared)
{
    private const int Apps = 50;
    private static readonly TimeSpan Within = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task Fifty_deploys_at_once_on_a_cold_node_each_exit_with_their_deployments_real_outcome()
    {
        await using var node = await EngineNode.StartAsync("--start-timeout", "30", "--stop-grace", "2");
        using var dir = new AppDir();
        var apps = Enumerable.Range(0, Apps).Select(_ => node.NewApp("many")).ToList();
        var results = await Task.WhenAll(apps.Select(app => node.Cli("deploy", dir.Path, "--app", app))).WaitAsync(Within);

        foreach (var (app, result) in apps.Zip(results))
        {
            // Each printed its deployment's id and real end (was: 8 of 50 exited 1 with "the engine did not answer in
            // time (HTTP 503)" and no id, though their deployments ran and succeeded).
            Assert.True(result.ExitCode == 0, $"{app}: {result}");
            Assert.Contains($"deployment {app}-v1: success", result.Stdout);
            var deployments = await node.Cli("deployments", app, "--json");
            var only = Assert.Single(deployments.Json.EnumerateArray());
            Assert.Equal(($"{app}-v1", "success"), (only.GetProperty("id").GetString(), only.GetProperty("status").GetString()));
        }
    }

    [Fact]
    public async Task An_upload_repeated_with_the_same_idempotency_key_gets_the_first_deployment_and_makes_no_second()
    {
        var node = shared.Node;
        var app = node.NewApp("idem");
        using var dir = new AppDir();
        using var http = new HttpClient();
        var key = Guid.NewGuid().ToString("N");

        var first = await UploadAsync(http, node, dir, app, key);
        var repeat = await UploadAsync(http, node, dir, app, key);

        Assert.Equal((HttpStatusCode.Created, $"{app}-v1"), first);
        Assert.Equal((HttpStatusCode.OK, $"{app}-v1"), repeat);
        Assert.Equal("success", await node.WaitForStatus($"{app}-v1", DeploymentStatus.IsTerminal, "an end"));
        var deployments = await node.Cli("deployments", app, "--json");
        Assert.Equal([$"{app}-v1"], deployments.Json.EnumerateArray().Select(d => d.GetProperty("id").GetString()));
    }

    /// <summary>POST /api/apps/APP/deployments as the CLI sends it, with an idempotency key; the status and deployment id.</summary>
    private static async Task<(HttpStatusCode Status, string? Id)> UploadAsync(HttpClient http, EngineNode node, AppDir dir, string app, string key)
    {
        var tar = new MemoryStream();
        await TarFile.CreateFromDirectoryAsync(dir.Path, tar, includeBaseDirectory: false);
        using var content = new ByteArrayContent(tar.ToArray());
        content.Headers.ContentType = new(ApiJson.UploadContentType);
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{node.AdminUrl}/api/apps/{app}/deployments") { Content = content };
        request.Headers.Add(ApiJson.IdempotencyKeyHeader, key);
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, response.IsSuccessStatusCode ? JsonDocument.Parse(body).RootElement.GetProperty("id").GetString() : body);
    }
}
