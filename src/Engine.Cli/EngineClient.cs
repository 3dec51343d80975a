using System.Formats.Tar;
using System.Net;
using System.Net.Http.Headers;
using System.Net.WebSockets;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Engine.Api;

namespace Engine.Cli;

/// <summary>A CLI failure with the exit code the contract gives it: 1 for a refused or failed operation, 2 for usage
/// errors and an unreachable server, 3 when the outcome of what was asked is unknown.</summary>
public sealed class CliException(string message, int exitCode) : Exception(message)
{
    public const int OutcomeUnknown = 3;

    public int ExitCode { get; } = exitCode;

    /// <summary>The node may answer if asked again: it said it cannot now (503 during a journal outage or while it warms
    /// up, or a gateway's 502/504), or its answer was lost on the way.</summary>
    public bool Transient { get; init; }
}

/// <summary>The admin API seen from the CLI.</summary>
public sealed class EngineClient : IDisposable
{
    private readonly HttpClient _http;

    public EngineClient(string server, string? token = null)
    {
        if (!Uri.TryCreate(server.TrimEnd('/') + "/", UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            throw new CliException($"invalid server URL '{server}': expected http://HOST:PORT", 2);
        _http = new HttpClient { BaseAddress = uri, Timeout = TimeSpan.FromMinutes(30) };
        if (token is { Length: > 0 }) _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        // Who asks, for the journal; without a token the node takes the OS user's word for it (loopback only). A name
        // the node would refuse is not sent: the change is journaled as by "unknown" rather than refused.
        if (ApiJson.IsValidUser(Environment.UserName))
            _http.DefaultRequestHeaders.TryAddWithoutValidation(ApiJson.UserHeader, Environment.UserName);
    }

    public static string ResolveServer(string? option) =>
        option ?? (Environment.GetEnvironmentVariable("ENGINE_SERVER") is { Length: > 0 } env ? env : "http://127.0.0.1:4000");

    public static string? ResolveToken(string? option) =>
        option ?? (Environment.GetEnvironmentVariable("ENGINE_TOKEN") is { Length: > 0 } env ? env : null);

    /// <summary>One path segment: app names and deployment ids never change the URL's shape.</summary>
    public static string Segment(string value) => Uri.EscapeDataString(value);

    public Task<JsonElement> GetJsonAsync(string path) => SendAsync(() => new HttpRequestMessage(HttpMethod.Get, path));

    public Task<JsonElement> SendJsonAsync(HttpMethod method, string path) => SendAsync(() => new HttpRequestMessage(method, path));

    /// <summary>A streamed answer, line by line as it arrives, until the node ends it or <paramref name="ct"/> is cancelled.</summary>
    public async Task StreamLinesAsync(HttpMethod method, string path, Action<string> line, CancellationToken ct)
    {
        HttpResponseMessage response;
        try { response = await _http.SendAsync(new HttpRequestMessage(method, path), HttpCompletionOption.ResponseHeadersRead, ct); }
        catch (HttpRequestException e) { throw Unreachable(e); }
        using (response)
        {
            await EnsureSuccess(response);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(ct));
            try
            {
                while (await reader.ReadLineAsync(ct) is { } next) line(next);
            }
            catch (IOException e) when (!ct.IsCancellationRequested)
            {
                throw new CliException($"the engine at {_http.BaseAddress} closed the stream: {e.Message}", 1);
            }
        }
    }

    /// <summary>A WebSocket to the node, with this client's token and user.</summary>
    public async Task<ClientWebSocket> WebSocketAsync(string path, CancellationToken ct)
    {
        var socket = new ClientWebSocket();
        if (_http.DefaultRequestHeaders.Authorization is { } auth) socket.Options.SetRequestHeader("Authorization", auth.ToString());
        if (_http.DefaultRequestHeaders.TryGetValues(ApiJson.UserHeader, out var user)) socket.Options.SetRequestHeader(ApiJson.UserHeader, user.First());
        var uri = new UriBuilder(new Uri(_http.BaseAddress!, path)) { Scheme = _http.BaseAddress!.Scheme == "https" ? "wss" : "ws" }.Uri;
        try { await socket.ConnectAsync(uri, ct); }
        catch (WebSocketException e)
        {
            socket.Dispose();
            throw new CliException($"cannot attach through the engine at {_http.BaseAddress}: {e.Message}", 1);
        }
        return socket;
    }

    public Task<JsonElement> PatchJsonAsync<T>(string path, T body, JsonTypeInfo<T> type) => SendAsync(() =>
        new HttpRequestMessage(HttpMethod.Patch, path) { Content = JsonContent.Create(body, type) });

    public Task<JsonElement> PostJsonAsync<T>(string path, T body, JsonTypeInfo<T> type) => SendAsync(() =>
        new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body, type) });

    /// <summary>How long a call is tried again through transient failures before the CLI gives up on it.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromMinutes(5);

    /// <summary>The call, tried again (0.25 s apart, doubling up to 2 s) while it fails transiently, for up to
    /// <see cref="Patience"/>.</summary>
    public static async Task<T> Patiently<T>(Func<Task<T>> call)
    {
        var giveUp = DateTime.UtcNow + Patience;
        for (var delay = TimeSpan.FromSeconds(0.25); ; delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.TicksPerSecond * 2)))
        {
            try { return await call(); }
            catch (CliException e) when (e.Transient && DateTime.UtcNow + delay < giveUp) { await Task.Delay(delay); }
        }
    }

    /// <summary>Tars the directory into a temporary file (it may be large) and uploads it, with <paramref name="key"/> as its
    /// idempotency key: transient failures are tried again, and the node answers a repeat with the deployment it made.</summary>
    public async Task<JsonElement> UploadAsync(string app, string directory, string key)
    {
        var tar = Path.Combine(Path.GetTempPath(), $"engine-upload-{Guid.NewGuid():N}.tar");
        try
        {
            await using (var file = File.Create(tar))
                await TarFile.CreateFromDirectoryAsync(directory, file, includeBaseDirectory: false);
            return await Patiently(() => SendAsync(() =>
            {
                var content = new StreamContent(File.OpenRead(tar));
                content.Headers.ContentType = new MediaTypeHeaderValue(ApiJson.UploadContentType);
                var request = new HttpRequestMessage(HttpMethod.Post, $"api/apps/{Segment(app)}/deployments") { Content = content };
                request.Headers.ExpectContinue = true; // a refused upload (too large, bad name) is refused before it is sent
                request.Headers.TryAddWithoutValidation(ApiJson.IdempotencyKeyHeader, key);
                return request;
            }));
        }
        finally
        {
            File.Delete(tar);
        }
    }

    /// <summary>The deployment once it differs from what the caller has seen (its status, or a log longer than
    /// <paramref name="offset"/> bytes) or has finished; else, after the server's deadline, as it is.</summary>
    public Task<JsonElement> WaitForChangeAsync(string deploymentId, string? status, long offset) =>
        GetJsonAsync($"api/deployments/{Segment(deploymentId)}/wait?offset={offset}"
            + (status is null ? "" : $"&status={Uri.EscapeDataString(status)}"));

    /// <summary>Log text from a byte offset, and the offset to ask from next time.</summary>
    public async Task<(string Text, long Next)> GetLogAsync(string deploymentId, long offset)
    {
        using var response = await Call(() => new HttpRequestMessage(HttpMethod.Get, $"api/deployments/{Segment(deploymentId)}/logs?offset={offset}"));
        await EnsureSuccess(response);
        var text = await response.Content.ReadAsStringAsync();
        var next = response.Headers.TryGetValues("X-Next-Offset", out var v) && long.TryParse(v.First(), out var n) ? n : offset;
        return (text, next);
    }

    private async Task<JsonElement> SendAsync(Func<HttpRequestMessage> request)
    {
        using var response = await Call(request);
        await EnsureSuccess(response);
        // JsonDocument rather than the serializer: its reflection set-up cost every CLI call tens of milliseconds.
        await using var body = await response.Content.ReadAsStreamAsync();
        using var json = await JsonDocument.ParseAsync(body);
        return json.RootElement.Clone();
    }

    private async Task<HttpResponseMessage> Call(Func<HttpRequestMessage> request)
    {
        try
        {
            return await _http.SendAsync(request());
        }
        catch (HttpRequestException e)
        {
            throw Unreachable(e);
        }
        catch (TaskCanceledException)
        {
            throw new CliException($"the engine at {_http.BaseAddress} did not answer within {_http.Timeout.TotalMinutes} minutes", 2);
        }
    }

    /// <summary>Refused or unresolved: the node is not there. Any other failure lost the node's answer on the way.</summary>
    private CliException Unreachable(HttpRequestException e) => new($"cannot reach the engine at {_http.BaseAddress}: {e.Message}", 2)
    {
        Transient = e.HttpRequestError is not (HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError),
    };

    private static async Task EnsureSuccess(HttpResponseMessage response)
    {
        if (response.IsSuccessStatusCode) return;
        string body;
        try { body = await response.Content.ReadAsStringAsync(); }
        catch (HttpRequestException) { body = ""; } // the connection closed mid-answer: the status is all there is
        throw new CliException(ErrorMessage(response.StatusCode, response.ReasonPhrase, body),
            response.StatusCode == HttpStatusCode.BadRequest ? 2 : 1)
        {
            Transient = response.StatusCode is HttpStatusCode.ServiceUnavailable or HttpStatusCode.BadGateway or HttpStatusCode.GatewayTimeout,
        };
    }

    /// <summary>The API's `error` text with the status; never empty, whatever the body holds.</summary>
    public static string ErrorMessage(HttpStatusCode status, string? reason, string body)
    {
        string? message = null;
        try
        {
            if (JsonDocument.Parse(body).RootElement is { ValueKind: JsonValueKind.Object } json
                && json.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String)
                message = error.GetString();
        }
        catch (JsonException) { }
        var answered = $"HTTP {(int)status} {(string.IsNullOrWhiteSpace(reason) ? Phrase(status) : reason)}".TrimEnd();
        if (!string.IsNullOrWhiteSpace(message)) return $"{message} (HTTP {(int)status})";
        var text = body.Trim();
        return text.Length == 0
            ? $"the engine answered {answered} with no message"
            : $"the engine answered {answered}: {(text.Length > 300 ? text[..300] + "..." : text)}";
    }

    /// <summary>The status's name in words ("Request Timeout"), for an answer without a reason phrase (HTTP/2); a number
    /// the enum does not name stays a number.</summary>
    private static string Phrase(HttpStatusCode status) =>
        string.Concat(status.ToString().Select((c, i) => i > 0 && char.IsUpper(c) ? " " + c : c.ToString()));

    public void Dispose() => _http.Dispose();
}
