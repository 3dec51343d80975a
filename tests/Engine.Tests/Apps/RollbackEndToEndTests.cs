using System.Net;
using System.Text.Json;
using Engine.Tests.Support;

namespace Engine.Tests.Apps;

/// <summary>`engine releases` and `engine rollback` on real Docker: a rollback is a new deployment of an earlier release's
/// image and Procfile, with its hook, switched only once the hook succeeded.</summary>
[Collection(DockerCollection.Name)]
public sealed class RollbackEndToEndTests(SharedNode shared)
{
    private readonly EngineNode _node = shared.Node;

    private async Task<List<JsonElement>> Releases(string app) =>
        (await _node.CliOk("releases", app, "--json")).Json.EnumerateArray().ToList();

    private static string Of(JsonElement e, string name) => e.GetProperty(name).ValueKind == JsonValueKind.Null ? "" : e.GetProperty(name).ToString();

    /// <summary>The app's one running web container's env, as Docker holds it.</summary>
    private static async Task<string[]> WebEnv(string app) =>
        (await DockerProbe.Client.Containers.InspectContainerAsync((await DockerProbe.ContainersOf(app)).Single(c => c.Type == "web").Name)).Config.Env.ToArray();

    private static async Task<string> WebImage(string app) =>
        (await DockerProbe.Client.Containers.InspectContainerAsync((await DockerProbe.ContainersOf(app)).Single(c => c.Type == "web").Name)).Image;

    [Fact]
    public async Task A_rollback_runs_the_earlier_image_and_hook_again_with_its_env_and_the_releases_say_so()
    {
        var app = _node.NewApp("rollback");
        using var hook = new HookCounter();
        using var dir = AppDir.WithHook(hook.Hook);
        try
        {
            await _node.CliOk("env", "set", app, "GREETING=one");
            await _node.DeployAsync(dir, app);
            File.WriteAllText(dir.Combine("revision"), "2"); // another image
            await _node.CliOk("env", "set", app, "GREETING=two");
            await _node.DeployAsync(dir, app);
            Assert.Equal(2, hook.Hits);

            var releases = await Releases(app);
            Assert.Equal(["v2", "v1"], releases.Select(r => Of(r, "version")));
            Assert.Equal(["True", "False"], releases.Select(r => Of(r, "routed")));
            Assert.All(releases, r => Assert.Equal("True", Of(r, "image_present")));
            Assert.All(releases, r => Assert.Equal(hook.Hook, Of(r, "postdeploy")));
            var v1Image = Of(releases[1], "image_id");
            Assert.NotEqual(v1Image, Of(releases[0], "image_id"));

            // The default target: the release before the routed one, with its env.
            var rollback = await _node.CliOk("rollback", app);
            Assert.Contains($"deployment {app}-v3: success", rollback.Stdout);
            Assert.Contains("with the env of the release it goes back to", rollback.Stderr);
            Assert.Contains("a rollback to v1", rollback.Stderr);
            Assert.DoesNotContain("built image", rollback.Stderr);
            Assert.Equal(3, hook.Hits);
            Assert.Equal($"version v3 of {app}", (await _node.Get(app)).Body);
            Assert.Equal(v1Image, await WebImage(app));
            Assert.Contains("GREETING=one", await WebEnv(app));

            // --current-env keeps today's; --skip-hook runs no hook, and the audit says so.
            await _node.CliOk("env", "set", app, "GREETING=three");
            var skipped = await _node.CliOk("rollback", app, "--to", "v2", "--current-env", "--skip-hook", "--json");
            Assert.Equal("success", skipped.LastJson.GetProperty("status").GetString());
            Assert.Contains("with today's env", skipped.Stderr);
            Assert.Equal(3, hook.Hits);
            Assert.Equal($"version v4 of {app}", (await _node.Get(app)).Body);
            Assert.Contains("GREETING=three", await WebEnv(app));
            var audit = (await _node.CliOk("audit", app, "--json")).Json.EnumerateArray().ToList();
            var planned = audit.Where(e => Of(e, "type") == "RollbackPlanned").Select(e => (Of(e, "deployment"), Of(e, "detail"))).ToList();
            Assert.Equal(2, planned.Count);
            Assert.Equal($"{app}-v4", planned[1].Item1);
            Assert.Contains("rollback to v2", planned[1].Item2);
            Assert.Contains("--skip-hook", planned[1].Item2);
            Assert.DoesNotContain("--skip-hook", planned[0].Item2);

            releases = await Releases(app);
            Assert.Equal(["v4", "v3", "v2", "v1"], releases.Select(r => Of(r, "version")));
            Assert.Equal(["v2", "v1", "", ""], releases.Select(r => Of(r, "rollback_of")));
            Assert.Equal("True", Of(releases[0], "routed"));
            Assert.Equal(Of(releases[2], "image"), Of(releases[0], "image"));
        }
        finally
        {
            await Clean(app);
        }
    }

    [Fact]
    public async Task A_rollback_whose_hook_fails_keeps_the_routed_release()
    {
        var app = _node.NewApp("rollfail");
        using var dir = AppDir.WithHook("test \"$FAIL\" != 1");
        try
        {
            await _node.DeployAsync(dir, app);
            File.WriteAllText(dir.Combine("revision"), "2");
            await _node.DeployAsync(dir, app);
            await _node.CliOk("env", "set", app, "FAIL=1");

            var failed = await _node.Cli("rollback", app, "--current-env");
            Assert.True(failed.ExitCode == 1, failed.ToString());
            Assert.Contains($"deployment {app}-v3: hook-error", failed.Stdout);
            Assert.Equal($"version v2 of {app}", (await _node.Get(app)).Body);
            var containers = await Eventually.Until(() => DockerProbe.ContainersOf(app), c => c.All(x => x.Version == "v2"),
                Deadlines.Within, "the rollback's containers to go");
            Assert.Equal(["web"], containers.Select(c => c.Type));
            Assert.Equal("v2", Of((await Releases(app)).Single(r => Of(r, "routed") == "True"), "version"));
        }
        finally
        {
            await Clean(app);
        }
    }

    [Fact]
    public async Task Rollbacks_to_nothing_to_a_failure_to_the_routed_release_or_to_a_pruned_image_are_refused_with_their_reason()
    {
        var app = _node.NewApp("rollno");
        using var dir = new AppDir();
        using var failing = AppDir.WithHook("exit 1");
        try
        {
            await Refused(["rollback", app], $"app '{app}' not found", 404);
            await _node.CliOk("env", "set", app, "A=1");
            await Refused(["rollback", app], "has no routed release to roll back from");
            await _node.DeployAsync(dir, app);
            await Refused(["rollback", app], "no successful release before v1");
            await _node.DeployFailingAsync(failing, app);
            File.WriteAllText(dir.Combine("revision"), "3");
            await _node.DeployAsync(dir, app);
            await Refused(["rollback", app, "--to", "v9"], "has no version v9");
            await Refused(["rollback", app, "--to", "v2"], "v2 of " + app + " never succeeded (hook-error)");
            await Refused(["rollback", app, "--to", "v3"], "v3 is the routed release");
            var usage = await _node.Cli("rollback", app, "--to", "three");
            Assert.True(usage.ExitCode == 2, usage.ToString());

            // v1's image gone from the only worker, as pruning would leave it.
            var v1 = Of((await Releases(app)).Single(r => Of(r, "version") == "v1"), "image");
            await DockerProbe.Client.Images.DeleteImageAsync(v1, new Docker.DotNet.Models.ImageDeleteParameters());
            Assert.Equal("False", Of((await Releases(app)).Single(r => Of(r, "version") == "v1"), "image_present"));
            await Refused(["rollback", app], "was pruned from every worker: the engine keeps the images of the last 5 releases (Engine:KeepReleases)");
            Assert.Equal(["v1", "v2", "v3"], (await _node.CliOk("deployments", app, "--json")).Json.EnumerateArray()
                .Select(d => d.GetProperty("version").GetString()));
        }
        finally
        {
            await Clean(app);
        }
    }

    private static async Task Clean(string app)
    {
        await DockerProbe.RemoveAppAsync(app);
        await DockerProbe.RemoveImagesOfAsync(app);
    }

    /// <summary>Exit 1, the reason on stderr, and HTTP 409 (404 for an app that never existed) from the API.</summary>
    private async Task Refused(string[] args, string reason, int status = 409)
    {
        var result = await _node.Cli(args);
        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains(reason, result.Stderr);
        Assert.Contains($"(HTTP {status})", result.Stderr);
    }
}
