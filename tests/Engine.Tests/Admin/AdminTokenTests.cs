using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Engine.Containers;
using Engine.Tests.Support;

namespace Engine.Tests.Admin;

/// <summary>The admin API beyond loopback needs a bearer token. Tests bind 0.0.0.0 but only ever talk to 127.0.0.1.</summary>
public sealed class AdminTokenTests
{
    private const string Token = "s3cret-token-for-tests-0123456789";

    [Fact]
    public async Task A_node_bound_beyond_loopback_without_a_token_refuses_to_start()
    {
        var data = Directory.CreateTempSubdirectory("engine-data-").FullName;
        try
        {
            var ports = FreePorts.Take(2);
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "engine.dll"), "serve", "--data-dir", data,
                         "--admin-url", $"http://0.0.0.0:{ports[0]}", "--router-url", $"http://127.0.0.1:{ports[1]}" })
                psi.ArgumentList.Add(a);
            psi.Environment.Remove("ENGINE_ADMIN_TOKEN");
            using var process = Process.Start(psi)!;
            var stderr = process.StandardError.ReadToEndAsync();
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try { await process.WaitForExitAsync(limit.Token); }
            finally { if (!process.HasExited) process.Kill(entireProcessTree: true); }
            Assert.Equal(2, process.ExitCode);
            var lines = (await stderr).Trim().Split('\n');
            Assert.Single(lines);
            Assert.Contains($"cannot start: the admin API would listen on http://0.0.0.0:{ports[0]}, beyond loopback, without a token", lines[0]);
        }
        finally { Directory.Delete(data, recursive: true); }
    }

    [Fact]
    public async Task Beyond_loopback_every_request_needs_the_token_and_the_CLI_sends_ENGINE_TOKEN()
    {
        await using var node = await EngineNode.StartWithTokenAsync(Token, "0.0.0.0");
        using var http = new HttpClient();

        var missing = await http.GetAsync($"{node.AdminUrl}/api/apps");
        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Contains("requires a bearer token", JsonDocument.Parse(await missing.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString());
        Assert.Equal("Bearer", missing.Headers.WwwAuthenticate.Single().Scheme);

        var wrong = new HttpRequestMessage(HttpMethod.Get, $"{node.AdminUrl}/api/apps");
        wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "guessed-token");
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(wrong)).StatusCode);

        var right = new HttpRequestMessage(HttpMethod.Get, $"{node.AdminUrl}/api/apps");
        right.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(right)).StatusCode);

        var app = node.NewApp("token");
        var set = await node.Cli("env", "set", app, "A=1"); // ENGINE_TOKEN from the harness
        Assert.True(set.ExitCode == 0, set.ToString());
        var withFlag = await EngineNode.RunCli(node.AdminUrl, "env", app, "--token", Token);
        Assert.True(withFlag.ExitCode == 0, withFlag.ToString());
        Assert.Contains("A=1", withFlag.Stdout);
        var without = await EngineNode.RunCli(node.AdminUrl, "apps");
        Assert.Equal(1, without.ExitCode);
        Assert.Contains("requires a bearer token", without.Stderr);

        await Eventually.Until(() => Task.FromResult(node.Output), o => o.Contains("a wrong bearer token from 127.0.0.1: GET /api/apps"),
            TimeSpan.FromSeconds(10), "the refused attempt in the log");
        Assert.Contains("no bearer token from 127.0.0.1: GET /api/apps", node.Output);
        Assert.DoesNotContain("guessed-token", node.Output);
        Assert.DoesNotContain(Token, node.Output);
    }

    [Fact]
    public async Task A_token_configured_on_loopback_is_required_too()
    {
        await using var node = await EngineNode.StartWithTokenAsync(Token, adminBindHost: null);
        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync($"{node.AdminUrl}/api/apps")).StatusCode);
        var apps = await node.Cli("apps", "--json");
        Assert.True(apps.ExitCode == 0, apps.ToString());
    }
}
