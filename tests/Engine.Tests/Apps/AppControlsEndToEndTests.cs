using System.Net;
using System.Text.Json;
using Engine.Tests.Support;

namespace Engine.Tests.Apps;

/// <summary>`engine apps lock|unlock` on a real node and real Docker: what a lock refuses, what it leaves alone, and that it
/// is journaled. (Maintenance mode: <see cref="MaintenanceEndToEndTests"/>.)</summary>
[Collection(DockerCollection.Name)]
public sealed class AppControlsEndToEndTests(SharedNode shared)
{
    private readonly EngineNode _node = shared.Node;

    private static async Task<JsonElement> AppView(EngineNode node, string app) =>
        (await node.CliOk("apps", "list", "--json")).Json.EnumerateArray().Single(a => a.GetProperty("name").GetString() == app);

    [Fact]
    public async Task A_locked_app_refuses_deploy_rollback_scale_and_restart_with_423_naming_why_and_who_until_unlocked()
    {
        var app = _node.NewApp("lock");
        using var dir = new AppDir();
        try
        {
            Assert.Equal(1, (await _node.Cli("apps", "lock", app, "--reason", "freeze")).ExitCode); // no such app yet
            await _node.DeployAsync(dir, app);
            await _node.DeployAsync(dir, app);
            var before = await DockerProbe.ContainerIdsOf(app);

            var noReason = await _node.Cli("apps", "lock", app);
            Assert.True(noReason.ExitCode == 2, noReason.ToString());
            Assert.Contains("needs a reason", noReason.Stderr);
            await _node.CliOk("apps", "lock", app, "--reason", "release freeze until Monday");
            var again = await _node.Cli("apps", "lock", app, "--reason", "another");
            Assert.True(again.ExitCode == 1 && again.Stderr.Contains("locked already") && again.Stderr.Contains("(HTTP 409)"), again.ToString());

            var refused = new[]
            {
                await _node.Cli("deploy", dir.Path, "--app", app),
                await _node.Cli("rollback", app),
                await _node.Cli("scale", app, "web=2"),
                await _node.Cli("apps", "restart", app),
            };
            Assert.All(refused, r =>
            {
                Assert.True(r.ExitCode == 1, r.ToString());
                Assert.Contains("(HTTP 423)", r.Stderr);
                Assert.Contains("release freeze until Monday", r.Stderr);
                Assert.Contains($"Locked by {Environment.UserName}", r.Stderr);
            });
            Assert.Contains("cannot deploy it", refused[0].Stderr);
            Assert.Contains("cannot roll back it", refused[1].Stderr);
            // Nothing was started or stopped, and v2 still serves (nothing was queued either: the next deploy is v3).
            Assert.Equal(before, await DockerProbe.ContainerIdsOf(app));
            Assert.Equal(HttpStatusCode.OK, (await _node.Get(app)).Status);
            var locked = (await AppView(_node, app)).GetProperty("lock");
            Assert.Equal(("release freeze until Monday", Environment.UserName),
                (locked.GetProperty("reason").GetString(), locked.GetProperty("by").GetString()));
            Assert.Contains("release freeze until Monday", (await _node.CliOk("apps", "list")).Stdout);

            await _node.CliOk("apps", "unlock", app);
            Assert.Equal(JsonValueKind.Null, (await AppView(_node, app)).GetProperty("lock").ValueKind);
            var twice = await _node.Cli("apps", "unlock", app);
            Assert.True(twice.ExitCode == 1 && twice.Stderr.Contains("is not locked"), twice.ToString());
            await _node.CliOk("scale", app, "web=2");
            Assert.Equal("v3", (await _node.DeployAsync(dir, app)).LastJson.GetProperty("version").GetString());

            var audit = (await _node.CliOk("audit", app, "--json")).Json.EnumerateArray()
                .Where(e => e.GetProperty("type").GetString() is "AppLocked" or "AppUnlocked").ToList();
            Assert.Equal(["AppLocked", "AppUnlocked"], audit.Select(e => e.GetProperty("type").GetString()));
            Assert.Equal([$"locked by {Environment.UserName}: release freeze until Monday", $"unlocked by {Environment.UserName}"],
                audit.Select(e => e.GetProperty("detail").GetString()));
        }
        finally
        {
            await DockerProbe.RemoveAppAsync(app);
        }
    }
}
