using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Engine.Tests.Support;

namespace Engine.Tests.Admin;

/// <summary>Inputs that once bricked a node or got further than they should, sent to a real node.</summary>
[Collection(DockerCollection.Name)]
public sealed class HostileInputTests(SharedNode shared) : IDisposable
{
    private readonly EngineNode _node = shared.Node;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    public void Dispose() => _http.Dispose();

    private async Task<(HttpStatusCode Status, string Error)> Send(HttpRequestMessage request)
    {
        using var response = await _http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, response.IsSuccessStatusCode ? "" : JsonDocument.Parse(body).RootElement.GetProperty("error").GetString()!);
    }

    private Task<(HttpStatusCode Status, string Error)> PatchEnv(string appInUrl, object body) =>
        Send(new HttpRequestMessage(HttpMethod.Patch, $"{_node.AdminUrl}/api/apps/{appInUrl}/env") { Content = JsonContent.Create(body) });

    private async Task AssertNodeAnswers()
    {
        var apps = await _http.GetAsync($"{_node.AdminUrl}/api/apps");
        Assert.Equal(HttpStatusCode.OK, apps.StatusCode);
        var app = _node.NewApp("alive");
        Assert.Equal(HttpStatusCode.OK, (await PatchEnv(app, new { set = new Dictionary<string, string> { ["A"] = "1" } })).Status);
    }

    [Fact]
    public async Task A_newline_terminated_app_name_is_refused_and_the_node_keeps_answering()
    {
        var (status, error) = await PatchEnv("x%0A", new { set = new Dictionary<string, string> { ["A"] = "1" } });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("invalid app name 'x\\n'", error);
        await AssertNodeAnswers();
        var names = (await _node.Cli("apps", "--json")).Json.EnumerateArray().Select(a => a.GetProperty("name").GetString()).ToList();
        Assert.DoesNotContain(names, n => n!.StartsWith("x\n"));
    }

    [Theory]
    [InlineData("-x")]
    [InlineData("x-")]
    public async Task App_names_that_cannot_be_DNS_labels_or_image_names_are_refused(string name)
    {
        var (status, error) = await PatchEnv(name, new { set = new Dictionary<string, string> { ["A"] = "1" } });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains($"invalid app name '{name}': it must start and end with a letter or digit", error);
        using var dir = new AppDir();
        var cli = await _node.Cli("deploy", dir.Path, "--app", name);
        Assert.Equal(2, cli.ExitCode);
        Assert.Contains($"invalid app name '{name}'", cli.Stderr);
        await AssertNodeAnswers();
    }

    [Fact]
    public async Task A_newline_terminated_env_key_is_refused()
    {
        var app = _node.NewApp("nlkey");
        var (status, error) = await PatchEnv(app, new { set = new Dictionary<string, string> { ["FOO\n"] = "1" } });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("invalid variable name 'FOO\\n'", error);
        await AssertNodeAnswers();
    }

    [Fact]
    public async Task Env_values_a_container_cannot_receive_are_refused_naming_the_variable()
    {
        var app = _node.NewApp("bigenv");
        var (status, error) = await PatchEnv(app, new { set = new Dictionary<string, string> { ["BIG"] = new string('v', 130 * 1024) } });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("'BIG' is", error);
        (status, error) = await PatchEnv(app, new { set = new Dictionary<string, string> { ["NUL"] = "a\0b" } });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("the value of 'NUL' contains a NUL byte", error);

        var value = new string('v', 120 * 1024);
        for (var i = 0; i < 8; i++)
            Assert.Equal(HttpStatusCode.OK, (await PatchEnv(app, new { set = new Dictionary<string, string> { [$"V{i}"] = value } })).Status);
        (status, error) = await PatchEnv(app, new { set = new Dictionary<string, string> { ["V8"] = value } });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("over the 1048576 byte limit for all variables together", error);
        var env = await _node.Cli("env", app, "--json");
        Assert.Equal(8, env.Json.EnumerateObject().Count());
    }

    [Fact]
    public async Task A_request_body_over_the_small_limit_gets_413_with_a_message_before_it_is_read_whole()
    {
        var app = _node.NewApp("bigbody");
        var (status, error) = await PatchEnv(app, new { set = new Dictionary<string, string> { ["A"] = new string('v', 2 * 1024 * 1024) } });
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Contains("over the limit of 1048576 bytes", error);

        // Without a Content-Length (chunked), the bound holds too.
        var chunked = new HttpRequestMessage(HttpMethod.Patch, $"{_node.AdminUrl}/api/apps/{app}/env")
        {
            Content = new StreamContent(new MemoryStream(new byte[2 * 1024 * 1024])),
        };
        chunked.Headers.TransferEncodingChunked = true;
        chunked.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await Send(chunked)).Status);
        Assert.Equal(1, (await _node.Cli("env", app)).ExitCode); // never created
    }

    [Fact]
    public async Task A_sparse_file_that_would_expand_to_2_GB_is_a_build_error_before_docker_build()
    {
        var app = _node.NewApp("sparse");
        var tar = SourceTar.Build(new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.RegularFile, "Dockerfile")
            { DataStream = new MemoryStream("FROM busybox\nCOPY . /app\n"u8.ToArray()) }, SourceTar.PaxSparse("big.bin", 2L << 30));
        Assert.True(tar.Length < 8 * 1024);
        var content = new ByteArrayContent(tar.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-tar");
        Assert.Equal(HttpStatusCode.Created, (await _http.PostAsync($"{_node.AdminUrl}/api/apps/{app}/deployments", content)).StatusCode);

        await _node.WaitForStatus($"{app}-v1", "build-error");
        var shown = (await _node.Cli("deployment", "show", $"{app}-v1", "--json")).Json;
        Assert.Contains("is a sparse file", shown.GetProperty("error").GetString());
        var logs = await _node.Cli("deployment", "logs", $"{app}-v1");
        Assert.DoesNotContain("Step 1/", logs.Stdout); // Docker never saw it
    }

    [Fact]
    public async Task A_symlinked_Procfile_is_a_build_error_that_says_so()
    {
        using var dir = new AppDir(procfile: null);
        File.WriteAllText(dir.Combine("procs"), "web: sh /app/web.sh\n");
        File.CreateSymbolicLink(dir.Combine("Procfile"), "procs");
        var (status, error) = await _node.DeployFailingAsync(dir, _node.NewApp("linkedprocfile"));
        Assert.Equal("build-error", status);
        Assert.Contains("Procfile is a link (to 'procs')", error);
    }

    [Theory]
    [InlineData("x?offset=-1")]
    [InlineData("a/../b-v1")]
    [InlineData("/../x-v1")]
    public async Task Deployment_ids_that_do_not_parse_are_usage_errors_in_the_CLI(string id)
    {
        var logs = await _node.Cli("deployment", "logs", id);
        Assert.Equal(2, logs.ExitCode);
        Assert.Contains("invalid deployment id", logs.Stderr);
        Assert.Equal("", logs.Stdout);
        Assert.DoesNotContain("Unhandled", logs.Stderr);
    }

    [Fact]
    public async Task The_server_refuses_deployment_ids_that_do_not_parse()
    {
        var (status, error) = await Send(new HttpRequestMessage(HttpMethod.Get, $"{_node.AdminUrl}/api/deployments/x%3Foffset%3D-1/logs"));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("invalid deployment id 'x?offset=-1'", error);
    }

    [Fact]
    public async Task Uploads_with_a_content_type_the_CLI_does_not_send_get_415()
    {
        var app = _node.NewApp("plain");
        var content = new StringContent("not a tar");
        var (status, error) = await Send(new HttpRequestMessage(HttpMethod.Post, $"{_node.AdminUrl}/api/apps/{app}/deployments") { Content = content });
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, status);
        Assert.Contains("sent as application/x-tar (got 'text/plain; charset=utf-8')", error);
        Assert.Equal(1, (await _node.Cli("deployments", app)).ExitCode); // no app, no deployment
    }

    [Theory]
    [InlineData("http://evil.example")]
    [InlineData("null")]
    public async Task Cross_origin_requests_get_403(string origin)
    {
        var app = _node.NewApp("origin");
        var content = new ByteArrayContent(SourceTar.Build(("Dockerfile", "FROM busybox\n")).ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-tar");
        var post = new HttpRequestMessage(HttpMethod.Post, $"{_node.AdminUrl}/api/apps/{app}/deployments") { Content = content };
        post.Headers.Add("Origin", origin);
        var (status, error) = await Send(post);
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("cross-origin requests are refused", error);
        Assert.Equal(1, (await _node.Cli("deployments", app)).ExitCode);

        var sameOrigin = new HttpRequestMessage(HttpMethod.Get, $"{_node.AdminUrl}/api/apps");
        sameOrigin.Headers.Add("Origin", _node.AdminUrl);
        Assert.Equal(HttpStatusCode.OK, (await _http.SendAsync(sameOrigin)).StatusCode);
    }

    [Theory]
    [InlineData("rebind.evil.example")]
    [InlineData("localhost.evil.example")]
    public async Task Host_names_the_admin_address_does_not_answer_to_are_refused(string host)
    {
        var port = new Uri(_node.AdminUrl).Port;
        var request = new HttpRequestMessage(HttpMethod.Get, $"{_node.AdminUrl}/api/apps");
        request.Headers.Host = $"{host}:{port}";
        var (status, error) = await Send(request);
        Assert.Equal(HttpStatusCode.MisdirectedRequest, status);
        Assert.Contains($"does not answer to host '{host}:{port}'", error);

        foreach (var ok in new[] { "localhost", "127.0.0.1" })
        {
            var loopback = new HttpRequestMessage(HttpMethod.Get, $"{_node.AdminUrl}/api/apps");
            loopback.Headers.Host = $"{ok}:{port}";
            Assert.Equal(HttpStatusCode.OK, (await _http.SendAsync(loopback)).StatusCode);
        }
    }
}
