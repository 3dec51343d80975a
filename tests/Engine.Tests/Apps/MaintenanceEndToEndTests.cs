using System.Net;
using System.Text.Json;
using Engine.Tests.Support;

namespace Engine.Tests.Apps;

/// <summary>`engine maintenance` on its own node (which restarts) and real Docker: what every request gets while it is on,
/// that a deployment still switches, and that it is journaled and survives a restart.</summary>
[Collection(DockerCollection.Name)]
public sealed class MaintenanceEndToEndTests
{
    private static async Task<(HttpStatusCode Status, string? RetryAfter, string Type, string Body)> Request(EngineNode node, string app,
        string? accept = null, string path = "/")
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, node.RouterUrl + path);
        request.Headers.Host = $"{app}.localhost";
        if (accept is not null) request.Headers.TryAddWithoutValidation("Accept", accept);
        using var response = await http.SendAsync(request);
        return (response.StatusCode, response.Headers.RetryAfter?.ToString(), response.Content.Headers.ContentType?.MediaType ?? "",
            await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task In_maintenance_every_request_gets_503_with_Retry_After_as_HTML_or_JSON_a_deploy_still_switches_and_a_restart_keeps_it()
    {
        await using var node = await EngineNode.StartAsync("--stop-grace", "2");
        var app = node.NewApp("maint");
        using var dir = new AppDir();
        await node.DeployAsync(dir, app);
        Assert.Contains("maintenance off", (await node.CliOk("maintenance", app)).Stdout);
        Assert.Equal(2, (await node.Cli("maintenance", app, "off", "--message", "x")).ExitCode);
        Assert.Equal(2, (await node.Cli("maintenance", app, "on", "--retry-after", "0")).ExitCode);

        var on = await node.CliOk("maintenance", app, "on", "--message", "Upgrading <the> database", "--retry-after", "120");
        Assert.Contains("maintenance on", on.Stdout);
        var page = await Request(node, app);
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "120", "text/html"), (page.Status, page.RetryAfter, page.Type));
        Assert.Contains("Upgrading &lt;the&gt; database", page.Body);
        var json = await Request(node, app, "application/json");
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "120", "application/json"), (json.Status, json.RetryAfter, json.Type));
        Assert.Equal("Upgrading <the> database", JsonDocument.Parse(json.Body).RootElement.GetProperty("message").GetString());
        // A file's path too (ASP.NET Core's default fallback leaves those out).
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "120"), (await Request(node, app, path: "/favicon.ico")) is var icon ? (icon.Status, icon.RetryAfter) : default);
        // A browser's Accept (HTML first, */* last) gets the page.
        Assert.Equal("text/html", (await Request(node, app, "text/html,application/xhtml+xml,*/*;q=0.8")).Type);
        Assert.All(await DockerProbe.ContainersOf(app), c => Assert.Equal("running", c.State));

        // A deployment still runs and switches; the app stays in maintenance.
        var v2 = await node.DeployAsync(dir, app);
        Assert.Equal("v2", v2.LastJson.GetProperty("version").GetString());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await Request(node, app)).Status);
        Assert.Equal(120, (await node.CliOk("apps", "list", "--json")).Json.EnumerateArray()
            .Single(a => a.GetProperty("name").GetString() == app).GetProperty("maintenance").GetProperty("retry_after").GetInt32());

        await node.KillAsync();
        await node.RestartAsync();
        var restarted = await Eventually.Until(() => Request(node, app), r => r.RetryAfter is not null, Deadlines.Within,
            "the maintenance page after the restart");
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "120"), (restarted.Status, restarted.RetryAfter));
        Assert.Contains("Upgrading &lt;the&gt; database", restarted.Body);

        await node.CliOk("maintenance", app, "off");
        var served = await Eventually.Until(() => Request(node, app), r => r.Status == HttpStatusCode.OK, Deadlines.Within, "served again");
        Assert.Null(served.RetryAfter);
        Assert.Contains("maintenance off", (await node.CliOk("maintenance", app)).Stdout);
        var changes = (await node.CliOk("audit", app, "--json")).Json.EnumerateArray()
            .Where(e => e.GetProperty("type").GetString() == "MaintenanceChanged").ToList();
        Assert.Equal([$"maintenance on by {Environment.UserName} (Retry-After 120 s): Upgrading <the> database",
            $"maintenance off by {Environment.UserName}"], changes.Select(e => e.GetProperty("detail").GetString()));
    }
}
