using System.Formats.Tar;
using System.Net;
using System.Net.Http.Headers;
using Engine.Tests.Support;

namespace Engine.Tests.Admin;

[Collection(DockerCollection.Name)]
public sealed class BadInputTests(SharedNode shared)
{
    private readonly EngineNode _node = shared.Node;

    [Fact]
    public async Task A_missing_Dockerfile_is_a_build_error_that_says_so()
    {
        using var dir = new AppDir(dockerfile: false);
        var (status, error) = await _node.DeployFailingAsync(dir, _node.NewApp("nodockerfile"));
        Assert.Equal("build-error", status);
        Assert.Contains("no Dockerfile", error);
    }

    [Fact]
    public async Task A_malformed_Procfile_is_a_build_error_that_names_the_line()
    {
        using var dir = new AppDir("web: sh /app/web.sh\nthis line has no colon\n");
        var (status, error) = await _node.DeployFailingAsync(dir, _node.NewApp("badprocfile"));
        Assert.Equal("build-error", status);
        Assert.Contains("Procfile line 2", error);
    }

    [Fact]
    public async Task A_symlink_that_points_outside_the_app_directory_is_refused()
    {
        var app = _node.NewApp("symlink");
        using var dir = new AppDir();
        File.CreateSymbolicLink(dir.Combine("passwd"), "/etc/passwd");
        var (status, error) = await _node.DeployFailingAsync(dir, app);
        Assert.Equal("build-error", status);
        Assert.Contains("points outside the app directory", error);
        Assert.Empty(await DockerProbe.ContainersOf(app));
    }

    [Fact]
    public async Task A_tar_entry_that_climbs_out_of_its_folder_is_refused()
    {
        var app = _node.NewApp("escape");
        using var tar = new MemoryStream();
        await using (var writer = new TarWriter(tar, leaveOpen: true))
        {
            foreach (var (name, text) in new[] { ("Dockerfile", "FROM busybox\n"), ("../evil.sh", "echo pwned\n") })
            {
                var entry = new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text)) };
                await writer.WriteEntryAsync(entry);
            }
        }
        using var http = new HttpClient();
        var content = new ByteArrayContent(tar.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-tar");
        var response = await http.PostAsync($"{_node.AdminUrl}/api/apps/{app}/deployments", content);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);

        await _node.WaitForStatus($"{app}-v1", "build-error");
        var shown = (await _node.Cli("deployment", "show", $"{app}-v1", "--json")).Json;
        Assert.Contains("'../evil.sh' escapes the app directory", shown.GetProperty("error").GetString());
    }

    [Fact]
    public async Task An_upload_over_the_size_limit_is_refused_before_any_deployment_exists()
    {
        var app = _node.NewApp("huge");
        using var dir = new AppDir();
        var noise = new byte[2 * 1024 * 1024];
        Random.Shared.NextBytes(noise);
        await File.WriteAllBytesAsync(dir.Combine("blob.bin"), noise);

        var result = await _node.Cli("deploy", dir.Path, "--app", app);
        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("over the size limit of 1048576 bytes", result.Stderr);
        var deployments = await _node.Cli("deployments", app, "--json");
        Assert.Equal(1, deployments.ExitCode);
        Assert.Contains($"app '{app}' not found", deployments.Stderr);
    }

    [Fact]
    public async Task Invalid_app_names_and_unknown_apps_get_clear_errors()
    {
        using var dir = new AppDir();
        var invalid = await _node.Cli("deploy", dir.Path, "--app", "Not_Valid");
        Assert.Equal(2, invalid.ExitCode);
        Assert.Contains("invalid app name 'Not_Valid'", invalid.Stderr);

        var unknown = await _node.Cli("env", "no-such-app-here");
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("app 'no-such-app-here' not found", unknown.Stderr);

        var badKey = await _node.Cli("env", "set", _node.NewApp("badkey"), "PORT=1");
        Assert.NotEqual(0, badKey.ExitCode);
        Assert.Contains("'PORT' is injected by the engine", badKey.Stderr);

        var unreachable = await EngineNode.RunCli("http://127.0.0.1:9", "apps");
        Assert.Equal(2, unreachable.ExitCode);
        Assert.Contains("cannot reach the engine", unreachable.Stderr);
    }

    [Fact]
    public async Task A_Docker_engine_that_cannot_be_reached_fails_the_build_clearly_and_the_node_keeps_serving()
    {
        await using var node = await EngineNode.StartAsync("--docker-host", "unix:///tmp/engine-tests-no-such-docker.sock");
        var app = node.NewApp("nodocker");
        using var dir = new AppDir();

        var result = await node.Cli("deploy", dir.Path, "--app", app, "--json");
        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Equal("build-error", result.LastJson.GetProperty("status").GetString());
        Assert.Contains("cannot reach the Docker engine at unix:///tmp/engine-tests-no-such-docker.sock", result.LastJson.GetProperty("error").GetString());

        var apps = await node.Cli("apps", "--json");
        Assert.Equal(0, apps.ExitCode);
        Assert.Contains(apps.Json.EnumerateArray(), a => a.GetProperty("name").GetString() == app);
    }
}
