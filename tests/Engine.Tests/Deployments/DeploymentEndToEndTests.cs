using System.Net;
using Engine.Tests.Support;
using Engine.Protocol;
using static Engine.Tests.Support.Deadlines;

namespace Engine.Tests.Deployments;

[Collection(DockerCollection.Name)]
public sealed class DeploymentEndToEndTests(SharedNode shared)
{
    private readonly EngineNode _node = shared.Node;

    [Fact]
    public async Task Success_runs_the_hook_with_the_version_switches_the_router_and_removes_the_old_containers()
    {
        var app = _node.NewApp("ok");
        using var dir = AppDir.WithHook("echo \"hook ran for $CONTAINER_VERSION\"");

        await _node.DeployAsync(dir, app);
        Assert.Equal((HttpStatusCode.OK, $"version v1 of {app}"), await _node.Get(app));

        var v2 = await _node.DeployAsync(dir, app);
        var deployment = v2.LastJson;
        Assert.Equal("success", deployment.GetProperty("status").GetString());
        Assert.Equal("v2", deployment.GetProperty("version").GetString());
        Assert.Contains("hook ran for v2", v2.Stderr);
        Assert.Contains("hook ran for v2", (await _node.Cli("deployment", "logs", $"{app}-v2")).Stdout);

        Assert.Equal((HttpStatusCode.OK, $"version v2 of {app}"), await _node.Get(app));
        var containers = await Eventually.Until(() => DockerProbe.ContainersOf(app), c => c.Count == 1, Within, "old containers to go");
        Assert.Equal(new ProbedContainer(_node.ContainerName($"{app}-v2-web-1"), "v2", "web", "running"), containers.Single());

        var ps = (await _node.Cli("ps", app, "--json")).Json.EnumerateArray().Single();
        Assert.Equal(("web", "web-1", "v2", "running"), (ps.GetProperty("type").GetString(), ps.GetProperty("name").GetString(),
            ps.GetProperty("version").GetString(), ps.GetProperty("state").GetString()));

        var statuses = (await _node.Cli("audit", app, "--json")).Json.EnumerateArray()
            .Where(e => e.GetProperty("deployment").GetString() == $"{app}-v2" && e.GetProperty("status").ValueKind == System.Text.Json.JsonValueKind.String
                        && e.GetProperty("type").GetString() != "DeploymentEnded")
            .Select(e => e.GetProperty("status").GetString()).ToList();
        Assert.Equal(["queued", "building", "pushing", "starting", "running-hook", "switching", "success"], statuses);
    }

    [Fact]
    public async Task Without_a_Procfile_the_image_command_is_web_and_the_history_reads_back()
    {
        var app = _node.NewApp("noprocfile");
        using var dir = new AppDir(procfile: null);
        await _node.DeployAsync(dir, app);
        Assert.Equal((HttpStatusCode.OK, $"version v1 of {app}"), await _node.Get(app));

        var audit = await _node.Cli("audit", app, "--json");
        Assert.True(audit.ExitCode == 0, audit.ToString());
        Assert.Contains(audit.Json.EnumerateArray(), e => e.GetProperty("type").GetString() == "ImageBuilt");
    }

    [Fact]
    public async Task A_failing_hook_ends_as_hook_error_keeps_the_old_version_serving_and_removes_the_new_containers()
    {
        var app = _node.NewApp("hookfail");
        using var good = AppDir.WithHook("true");
        await _node.DeployAsync(good, app);

        using var bad = AppDir.WithHook("echo migration exploded; exit 3");
        var (status, error) = await _node.DeployFailingAsync(bad, app);
        Assert.Equal("hook-error", status);
        Assert.Contains("exited with code 3", error);
        Assert.Contains("migration exploded", (await _node.Cli("deployment", "logs", $"{app}-v2")).Stdout);

        Assert.Equal((HttpStatusCode.OK, $"version v1 of {app}"), await _node.Get(app));
        var containers = await Eventually.Until(() => DockerProbe.ContainersOf(app), c => c.Count == 1, Within, "new containers to go");
        Assert.Equal("v1", containers.Single().Version);
        Assert.Equal("success", await _node.StatusOf($"{app}-v1"));
    }

    [Fact]
    public async Task No_request_reaches_the_new_version_while_its_hook_runs()
    {
        var app = _node.NewApp("gate");
        using var v1 = AppDir.WithHook("true");
        await _node.DeployAsync(v1, app);

        using var slow = AppDir.WithHook("sleep 4; echo hook done");
        var deploying = _node.Cli("deploy", slow.Path, "--app", app);
        await _node.WaitForStatus($"{app}-v2", "running-hook");

        // The new web container is up (it passed the start check) but must not be routed while the hook runs.
        Assert.Contains(await DockerProbe.ContainersOf(app), c => c.Version == "v2" && c.Type == "web" && c.State == "running");
        // Only answers bracketed by two "running-hook" readings count: those were served while the hook ran.
        var served = new List<string>();
        var deadline = DateTime.UtcNow + Within;
        while (await _node.StatusOf($"{app}-v2") == "running-hook")
        {
            Assert.True(DateTime.UtcNow < deadline, "the hook did not end within the deadline");
            var body = (await _node.Get(app)).Body;
            if (await _node.StatusOf($"{app}-v2") == "running-hook") served.Add(body);
            await Task.Delay(50);
        }
        Assert.NotEmpty(served);
        Assert.All(served, body => Assert.Equal($"version v1 of {app}", body));

        var result = await deploying;
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal((HttpStatusCode.OK, $"version v2 of {app}"), await _node.Get(app));
    }

    [Fact]
    public async Task A_second_deploy_of_the_same_app_waits_queued_until_the_first_ends()
    {
        var app = _node.NewApp("queue");
        using var slow = AppDir.WithHook("sleep 5");
        var first = _node.Cli("deploy", slow.Path, "--app", app);
        await _node.WaitForStatus($"{app}-v1", s => s is "building" or "pushing" or "starting" or "running-hook", "to start");
        var second = _node.Cli("deploy", slow.Path, "--app", app);
        await _node.WaitForStatus($"{app}-v2", s => !s.StartsWith('('), "to exist");

        var seenWhileFirstRuns = new List<string>();
        var deadline = DateTime.UtcNow + Within;
        while (await _node.StatusOf($"{app}-v1") is var s1 && s1 != "success")
        {
            Assert.True(DateTime.UtcNow < deadline, $"{app}-v1 did not succeed within the deadline (last: {s1})");
            Assert.DoesNotContain("error", s1);
            seenWhileFirstRuns.Add(await _node.StatusOf($"{app}-v2"));
            await Task.Delay(50);
        }
        Assert.NotEmpty(seenWhileFirstRuns);
        Assert.All(seenWhileFirstRuns.SkipLast(1), s => Assert.Equal("queued", s));

        Assert.Equal(0, (await first).ExitCode);
        Assert.Equal(0, (await second).ExitCode);
        var audit = (await _node.Cli("audit", app, "--json")).Json.EnumerateArray()
            .Select(e => (Deployment: e.GetProperty("deployment").GetString(), Type: e.GetProperty("type").GetString())).ToList();
        Assert.True(audit.IndexOf(($"{app}-v1", "DeploymentSucceeded")) < audit.IndexOf(($"{app}-v2", "BuildStarted")),
            "the second build started before the first deployment ended");
        Assert.Equal((HttpStatusCode.OK, $"version v2 of {app}"), await _node.Get(app));
    }

    [Fact]
    public async Task Different_apps_deploy_in_parallel()
    {
        var slowApp = _node.NewApp("par-slow");
        var fastApp = _node.NewApp("par-fast");
        // The slow app's hook ends only once the fast app is served, so it succeeds only if both deploy at once.
        using var slow = AppDir.WithHook(
            $"until wget -q -O- --header 'Host: {fastApp}.localhost' {_node.RouterUrl}/; do sleep 0.2; done");
        using var fast = AppDir.WithHook("true");
        var slowRun = _node.Cli("deploy", slow.Path, "--app", slowApp);
        await _node.WaitForStatus($"{slowApp}-v1", "running-hook");

        await _node.DeployAsync(fast, fastApp);
        var result = await slowRun.WaitAsync(Within);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"version v1 of {fastApp}", result.Stderr);
    }
}
