using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Engine.Tests.Support;
using Engine.Protocol;

namespace Engine.Tests.Admin;

/// <summary>Inputs that once bricked a node or got further than they should, sent to a real node.</summary>
[Collection(DockerCollection.Name)]
public sealed class HostileInputTests(SharedNode shared) : IDisposable
{
    private readonly EngineNode _node = shared.Node;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>Sends header values as UTF-8, as a hostile client would (HttpClient refuses non-ASCII ones by default).</summary>
    private readonly HttpClient _utf8 = new(new SocketsHttpHandler { RequestHeaderEncodingSelector = (_, _) => System.Text.Encoding.UTF8 });

    public void Dispose()
    {
        _http.Dispose();
        _utf8.Dispose();
    }

    private async Task<(HttpStatusCode Status, string Error)> Send(HttpRequestMessage request)
    {
        using var response = await _utf8.SendAsync(request);
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

    [Theory]
    [InlineData("actors?depth=abc", "the query parameter 'depth' must be a whole number from -2147483648 to 2147483647, got 'abc'")]
    [InlineData("deployments/x-v1/log?offset=abc", "the query parameter 'offset' must be a whole number from -9223372036854775808 to 9223372036854775807, got 'abc'")]
    [InlineData("deployments/x-v1/logs?offset=99999999999999999999", "the query parameter 'offset' must be a whole number")]
    [InlineData("deployments/x-v1/log?follow=banana", "the query parameter 'follow' must be true or false, got 'banana'")]
    [InlineData("deployments/x-v1/wait?timeout=soon", "the query parameter 'timeout' must be a number")]
    public async Task Query_values_that_do_not_bind_get_400_naming_the_parameter_and_what_it_must_be(string query, string error)
    {
        var (status, message) = await Send(new HttpRequestMessage(HttpMethod.Get, $"{_node.AdminUrl}/api/{query}"));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith(error, message);
    }

    [Fact]
    public async Task Bodies_that_do_not_bind_get_a_message_naming_what_the_body_must_be()
    {
        var app = _node.NewApp("badbody");
        HttpRequestMessage Patch(string path, string body, string type) =>
            new(HttpMethod.Patch, $"{_node.AdminUrl}/api/apps/{app}/{path}") { Content = new StringContent(body, null, type) };

        var (status, error) = await Send(Patch("formation", """{"formation": {"web": 2147483648}}""", "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("""the request body must be JSON (application/json) such as {"formation": {"web": 2}}: formation.web must be a whole number from -2147483648 to 2147483647""", error);
        (status, error) = await Send(Patch("env", "A=1", "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith("""the request body must be JSON (application/json) such as {"set": {"KEY": "VALUE"}, "unset": ["KEY"]}: """, error);
        (status, error) = await Send(Patch("env", """{"set": {"A": 1}}""", "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("(at set.A)", error);
        (status, error) = await Send(Patch("env", """{"set": {"A": "1"}}""", "text/plain"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, status);
        Assert.EndsWith("got Content-Type 'text/plain; charset=utf-8'", error);
        Assert.Equal(1, (await _node.Cli("env", app)).ExitCode); // never created

        // Through the CLI: the node's message, not "no message".
        var cli = await _node.Cli("actor", "hierarchy", "--depth", "abc");
        Assert.Equal(2, cli.ExitCode);
        Assert.Contains("error: the query parameter 'depth' must be a whole number", cli.Stderr);
    }

    [Theory]
    [InlineData("DELETE", "apps/x/env", "GET, PATCH")]
    [InlineData("POST", "apps", "GET")]
    [InlineData("GET", "deployments/x-v1/cancel", "POST")]
    public async Task A_method_a_path_does_not_take_gets_405_with_the_methods_it_takes(string method, string path, string allow)
    {
        using var response = await _http.SendAsync(new HttpRequestMessage(new HttpMethod(method), $"{_node.AdminUrl}/api/{path}"));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal(allow, string.Join(", ", response.Content.Headers.Allow));
        Assert.Contains($"does not take {method}: it takes {allow}",
            JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await Send(new HttpRequestMessage(HttpMethod.Get, $"{_node.AdminUrl}/api/nothing/here"))).Status);
    }

    [Theory]
    [InlineData("/user%23x")]
    [InlineData("/user/router%23abc")]
    public async Task An_actor_path_with_a_hash_is_not_found(string path)
    {
        var (status, error) = await Send(new HttpRequestMessage(HttpMethod.Get, $"{_node.AdminUrl}/api/actors?path={path}"));
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.StartsWith("no actor at /user", error);
    }

    [Theory]
    [InlineData("\u0430lice")] // Cyrillic 'а'
    [InlineData("al ice")]
    [InlineData("x$")]
    public async Task A_user_name_other_than_ASCII_letters_digits_and_dot_underscore_at_dash_is_refused(string escaped)
    {
        var name = System.Text.RegularExpressions.Regex.Unescape(escaped);
        var app = _node.NewApp("user");
        HttpRequestMessage Change(string user)
        {
            var request = new HttpRequestMessage(HttpMethod.Patch, $"{_node.AdminUrl}/api/apps/{app}/env")
                { Content = JsonContent.Create(new { set = new Dictionary<string, string> { ["A"] = "1" } }) };
            request.Headers.TryAddWithoutValidation("X-Engine-User", user);
            return request;
        }
        foreach (var refused in new[] { name, new string('a', 65) })
        {
            var (status, error) = await Send(Change(refused));
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.StartsWith("the X-Engine-User header must be 1 to 64 ASCII letters, digits, '.', '_', '@' or '-'", error);
        }
        Assert.Equal(1, (await _node.Cli("env", app)).ExitCode); // nothing journaled

        Assert.Equal(HttpStatusCode.OK, (await Send(Change("a.l_i-c@e9"))).Status);
        var trail = await _node.Cli("audit", app, "--type", "EnvChanged", "--json");
        Assert.Equal(["a.l_i-c@e9"], trail.Json.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("by").GetString()));
    }

    [Fact]
    public async Task An_audit_type_filter_that_names_no_type_is_refused_and_routes_of_an_unknown_app_are_not_found()
    {
        var empty = await _node.Cli("audit", "--type", ",");
        Assert.Equal(2, empty.ExitCode);
        Assert.Contains("error: --type names no event type", empty.Stderr);

        var unknown = await _node.Cli("audit", "routes", _node.NewApp("nosuchapp"));
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("not found: the journal holds no event of it (HTTP 404)", unknown.Stderr);
        var known = _node.NewApp("unrouted");
        await _node.CliOk("env", "set", known, "A=1");
        var unrouted = await _node.Cli("audit", "routes", known, "--json");
        Assert.True(unrouted.ExitCode == 0, unrouted.ToString());
        Assert.Equal(JsonValueKind.Null, unrouted.Json.GetProperty("deployment_id").ValueKind);
    }

    [Fact]
    public async Task A_scale_before_the_first_release_is_refused_as_a_conflict_and_nothing_is_journaled()
    {
        var app = _node.NewApp("noscale");
        await _node.CliOk("env", "set", app, "A=1");
        var (status, error) = await Send(new HttpRequestMessage(HttpMethod.Patch, $"{_node.AdminUrl}/api/apps/{app}/formation")
            { Content = JsonContent.Create(new { formation = new Dictionary<string, int> { ["web"] = 100, ["anything"] = 100 } }) });
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal($"{app} has no release yet: deploy it first; the release's Procfile says which process types exist", error);
        var cli = await _node.Cli("scale", app, "web=2");
        Assert.Equal(1, cli.ExitCode);
        Assert.Contains("has no release yet: deploy it first", cli.Stderr);
        Assert.Empty((await _node.Cli("scale", app, "--json")).Json.EnumerateObject());
        Assert.Empty((await _node.Cli("audit", app, "--type", "FormationChanged", "--json")).Json.GetProperty("events").EnumerateArray());
    }

    [Fact]
    public async Task The_last_member_of_the_cluster_cannot_leave_or_be_downed_and_keeps_serving()
    {
        await using var node = await EngineNode.StartAsync();
        var self = (await node.Cli("cluster", "show", "--json")).Json.GetProperty("self").GetString()!;
        foreach (var command in new[] { "leave", "down" })
        {
            var refused = await node.Cli("cluster", command, self);
            Assert.True(refused.ExitCode == 1, refused.ToString());
            Assert.Contains($"error: {self} is the last member of the cluster: 'cluster {command}' would stop the engine", refused.Stderr);
            Assert.Contains("(HTTP 409)", refused.Stderr);
        }
        var shown = (await node.Cli("cluster", "show", "--json")).Json.GetProperty("members").EnumerateArray().Single();
        Assert.Equal("up", shown.GetProperty("status").GetString());
        await node.CliOk("apps");
        Assert.Empty((await node.Cli("audit", "--type", "OperatorCommandRun", "--json")).Json.GetProperty("events").EnumerateArray());
    }
}
