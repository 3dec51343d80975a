using System.Text.Json;
using Engine.Tests.Support;
using Microsoft.Data.Sqlite;
using Engine.Protocol;

namespace Engine.Tests.Audit;

/// <summary>The journal-wide audit on a real node and its SQLite journal: the trail with who asked, the node that wrote
/// each event and what an auditor needs; which version served at a given time; and `verify` on a journal corrupted on
/// purpose.</summary>
[Collection(DockerCollection.Name)]
public sealed class AuditTrailEndToEndTests
{
    private static List<JsonElement> Events(CliResult audit)
    {
        Assert.True(audit.ExitCode == 0, audit.ToString());
        return [.. audit.Json.GetProperty("events").EnumerateArray()];
    }

    private static string? Text(JsonElement row, string name) => row.GetProperty(name).GetString();

    [Fact]
    public async Task The_trail_says_who_and_where_routes_at_rebuilds_the_served_version_and_verify_finds_a_corrupted_journal()
    {
        await using var node = await EngineNode.StartAsync("--stop-grace", "1");
        var self = (await node.Cli("cluster", "show", "--json")).Json.GetProperty("self").GetString();
        var app = node.NewApp("trail");
        await node.CliOk("env", "set", app, "SECRET=hunter2");
        using var good = AppDir.WithHook("true");
        using var failing = AppDir.WithHook("exit 3");
        var beforeV1 = DateTimeOffset.UtcNow;
        await node.DeployAsync(good, app);
        var betweenRoutes = DateTimeOffset.UtcNow;
        Assert.Equal("hook-error", (await node.DeployFailingAsync(failing, app)).Status);
        await node.DeployAsync(good, app);

        var trail = Events(await node.Cli("audit", app, "--deployment", $"{app}-v2", "--json"));
        Assert.All(trail, e => Assert.Equal(($"{app}-v2", self), (Text(e, "deployment"), Text(e, "node"))));
        Assert.Equal(Environment.UserName, Text(trail.Single(e => Text(e, "type") == "DeploymentCreated"), "by"));
        var failed = trail.Single(e => Text(e, "type") == "DeploymentFailed");
        Assert.Equal("hook-error", Text(failed, "status"));
        Assert.Matches(@"exit(ed with)? code 3.*; hook ran \d+\.\d s$", Text(failed, "detail")!);
        Assert.Matches(@"^image engine-apps/\S+ \(sha256:[0-9a-f]{64}\)$", Text(trail.Single(e => Text(e, "type") == "ImageBuilt"), "detail"));

        // The routed release's containers, as Docker knows them, and its hook's exit code.
        var v3 = Events(await node.Cli("audit", app, "--deployment", $"{app}-v3", "--json"));
        var webId = (await DockerProbe.ContainerIdsOf(app))[node.ContainerName($"{app}-v3-web-1")];
        Assert.EndsWith($"; containers web-1 {webId[..12]}", Text(v3.Single(e => Text(e, "type") == "HookStarted"), "detail"));
        Assert.StartsWith("hook exited with code 0; hook ran ", Text(v3.Single(e => Text(e, "type") == "SwitchStarted"), "detail"));

        var env = Assert.Single(Events(await node.Cli("audit", "--type", "EnvChanged", "--json")), e => Text(e, "app") == app);
        Assert.Equal(("set SECRET", Environment.UserName), (Text(env, "detail"), Text(env, "by")));
        Assert.DoesNotContain("hunter2", (await node.Cli("audit", app, "--type", "EnvChanged", "--csv")).Stdout);
        var recent = Events(await node.Cli("audit", app, "--since", betweenRoutes.ToString("O"), "--json"));
        Assert.DoesNotContain(recent, e => Text(e, "deployment") == $"{app}-v1");
        Assert.Contains(recent, e => Text(e, "deployment") == $"{app}-v3");
        var csv = (await node.Cli("audit", app, "--deployment", $"{app}-v3", "--csv")).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("timestamp,app,deployment,type,status,by,node,detail", csv[0]);
        Assert.Contains(csv, l => l.Contains(",DeploymentSucceeded,success,"));
        Assert.Equal(2, (await node.Cli("audit", "--until", "yesterday")).ExitCode);
        Assert.Equal(2, (await node.Cli("audit", "--type", "NoSuchEvent")).ExitCode);

        var routes = await node.Cli("audit", "routes", app, "--at", betweenRoutes.ToString("O"), "--json");
        Assert.True(routes.ExitCode == 0, routes.ToString());
        Assert.Equal(($"{app}-v1", "v1"), (Text(routes.Json, "deployment_id"), Text(routes.Json, "version")));
        Assert.Equal($"{app}-v3", Text((await node.Cli("audit", "routes", app, "--json")).Json, "deployment_id"));
        Assert.Equal(JsonValueKind.Null, (await node.Cli("audit", "routes", app, "--at", beforeV1.ToString("O"), "--json"))
            .Json.GetProperty("deployment_id").ValueKind);

        var clean = await node.Cli("audit", "verify", "--json");
        Assert.True(clean.ExitCode == 0, clean.ToString());
        Assert.Empty(clean.Json.GetProperty("findings").EnumerateArray());

        // Corrupted on purpose: v3's hook success is cut out of its journal.
        await node.KillAsync();
        await using (var db = new SqliteConnection($"Data Source={Path.Combine(node.DataDir, "engine.db")};Pooling=False"))
        {
            await db.OpenAsync();
            await using var cut = db.CreateCommand();
            cut.CommandText = "DELETE FROM journal WHERE persistence_id = $id AND sequence_number = 6";
            cut.Parameters.AddWithValue("$id", $"deployment-{app}-v3");
            Assert.Equal(1, await cut.ExecuteNonQueryAsync());
        }
        await node.RestartAsync();
        var verify = await node.Cli("audit", "verify", "--json");
        Assert.True(verify.ExitCode == 1, verify.ToString());
        var findings = verify.Json.GetProperty("findings").EnumerateArray()
            .Select(f => (Text(f, "kind"), Text(f, "persistence_id"))).ToList();
        Assert.Contains(("sequence-gap", $"deployment-{app}-v3"), findings);
        Assert.Contains(findings, f => f.Item1 == "switch-without-hook-success");
        var human = await node.Cli("audit", "verify");
        Assert.True(human.ExitCode == 1 && human.Stdout.Contains("sequence-gap"), human.ToString());
    }
}
