using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Engine.Containers;

namespace Engine.Tests.Support;

/// <summary>A real engine node: `engine serve` in its own process, on free loopback ports, with its own data dir.</summary>
public sealed class EngineNode : IAsyncDisposable
{
    private static readonly string EngineDll = System.IO.Path.Combine(AppContext.BaseDirectory, "engine.dll");
    private readonly string[] _extraArgs;
    private readonly bool _ownsDataDir;
    private Process? _process;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(30) };
    private readonly List<string> _apps = [];
    /// <summary>What answers 200 once the node is ready: the apps (a control node is up), or only its own admin API.</summary>
    private string _readyPath = "api/apps";
    /// <summary>Configuration no option sets, e.g. Engine__IdleAppPassivation.</summary>
    private readonly Dictionary<string, string> _environment = [];

    public string DataDir { get; }
    /// <summary>Where tests send admin requests: always loopback, even when the node binds AdminBind.</summary>
    public string AdminUrl { get; }
    public string? AdminBind { get; }
    public string? Token { get; }
    public string RouterUrl { get; }
    public string Output { get; private set; } = "";

    private EngineNode(string? dataDir, string[] extraArgs, string? token = null, string? adminBindHost = null)
    {
        _ownsDataDir = dataDir is null;
        DataDir = dataDir ?? Directory.CreateTempSubdirectory("engine-data-").FullName;
        var ports = TestPorts.Take(2);
        AdminUrl = $"http://127.0.0.1:{ports[0]}";
        RouterUrl = $"http://127.0.0.1:{ports[1]}";
        _extraArgs = extraArgs;
        Token = token;
        if (token is not null) _http.DefaultRequestHeaders.Authorization = new("Bearer", token);
        if (adminBindHost is not null) AdminBind = $"http://{adminBindHost}:{ports[0]}";
    }

    public static async Task<EngineNode> StartAsync(params string[] extraArgs)
    {
        var node = new EngineNode(null, extraArgs);
        await node.StartProcessAsync();
        return node;
    }

    /// <summary>A node whose admin API needs a bearer token (given as ENGINE_ADMIN_TOKEN), optionally bound to another
    /// address, e.g. http://0.0.0.0:PORT (the port is filled in).</summary>
    public static async Task<EngineNode> StartWithTokenAsync(string token, string? adminBindHost, params string[] extraArgs)
    {
        var node = new EngineNode(null, extraArgs, token, adminBindHost);
        await node.StartProcessAsync();
        return node;
    }

    /// <summary>A node given extra environment variables (configuration that has no option).</summary>
    public static async Task<EngineNode> StartWithEnvironmentAsync(IReadOnlyDictionary<string, string> environment,
        params string[] extraArgs)
    {
        var node = new EngineNode(null, extraArgs);
        foreach (var (key, value) in environment) node._environment[key] = value;
        await node.StartProcessAsync();
        return node;
    }

    /// <summary>A node whose admin API is up but which may not be in any cluster yet (its seeds unreachable).</summary>
    public static async Task<EngineNode> StartUnjoinedAsync(params string[] extraArgs)
    {
        var node = new EngineNode(null, extraArgs) { _readyPath = "api/palettes" };
        await node.StartProcessAsync();
        return node;
    }

    /// <summary>Starts the node process again on the same data dir and ports.</summary>
    public Task RestartAsync() => StartProcessAsync();

    /// <summary>Starts it again, waiting only for its admin API: it may join a cluster with no app registry.</summary>
    public Task RestartUnjoinedAsync()
    {
        _readyPath = "api/palettes";
        return StartProcessAsync();
    }

    private async Task StartProcessAsync()
    {
        var args = new List<string> { EngineDll, "serve", "--data-dir", DataDir, "--admin-url", AdminBind ?? AdminUrl, "--router-url", RouterUrl };
        args.AddRange(_extraArgs);
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        if (Token is not null) psi.Environment["ENGINE_ADMIN_TOKEN"] = Token;
        foreach (var (key, value) in _environment) psi.Environment[key] = value;
        args.ForEach(psi.ArgumentList.Add);
        var process = Process.Start(psi)!;
        process.OutputDataReceived += (_, e) => { lock (this) Output += e.Data + "\n"; };
        process.ErrorDataReceived += (_, e) => { lock (this) Output += e.Data + "\n"; };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        await Eventually.Until(async () =>
        {
            if (process.HasExited) throw new InvalidOperationException($"engine exited with {process.ExitCode}:\n{Output}");
            try { return (await _http.GetAsync($"{AdminUrl}/{_readyPath}")).StatusCode; }
            catch (HttpRequestException) { return HttpStatusCode.ServiceUnavailable; }
        }, s => s == HttpStatusCode.OK, Deadlines.Within, "the node's admin API");
    }

    /// <summary>SIGKILL, like `kill -9`.</summary>
    public async Task KillAsync()
    {
        if (_process is not { HasExited: false } p) return;
        p.Kill(entireProcessTree: true);
        await p.WaitForExitAsync();
    }

    /// <summary>SIGTERM, like `kill -TERM` from an init system; returns the exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan within)
    {
        var p = _process!;
        using (var kill = Process.Start("kill", ["-TERM", p.Id.ToString()])) await kill.WaitForExitAsync();
        using var limit = new CancellationTokenSource(within);
        await p.WaitForExitAsync(limit.Token);
        return p.ExitCode;
    }

    /// <summary>`kill -STOP` (freeze = true) or `kill -CONT`: a node that stops answering without dying.</summary>
    public async Task SignalAsync(bool freeze)
    {
        using var kill = Process.Start("kill", [freeze ? "-STOP" : "-CONT", _process!.Id.ToString()]);
        await kill.WaitForExitAsync();
    }

    /// <summary>Waits for the process to end by itself; returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan within)
    {
        using var limit = new CancellationTokenSource(within);
        await _process!.WaitForExitAsync(limit.Token);
        return _process.ExitCode;
    }

    public int ProcessId => _process!.Id;

    public string NewApp(string prefix)
    {
        var app = $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";
        _apps.Add(app);
        return app;
    }

    public Task<CliResult> Cli(params string[] args) => RunCliWithToken(AdminUrl, Token, args);

    /// <summary>The CLI, asserting exit code 0 (the failure shows what it printed, and the end of this node's log).</summary>
    public async Task<CliResult> CliOk(params string[] args)
    {
        var result = await Cli(args);
        string log;
        lock (this) log = string.Join('\n', Output.Split('\n').TakeLast(60));
        Assert.True(result.ExitCode == 0, $"engine {string.Join(' ', args)}: {result}\n--- the node's log, last lines\n{log}");
        return result;
    }

    private static readonly HttpClient LongPolls = new() { Timeout = TimeSpan.FromMinutes(2) };

    /// <summary>The long poll the CLI waits on (GET /api/deployments/ID/wait): the HTTP status, and the deployment's status
    /// (or the error body).</summary>
    public async Task<(HttpStatusCode Code, string Status)> WaitForChange(string id, string? status, long offset, int timeout)
    {
        using var response = await LongPolls.GetAsync($"{AdminUrl}/api/deployments/{id}/wait?offset={offset}&timeout={timeout}"
            + (status is null ? "" : $"&status={status}"));
        var body = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, response.IsSuccessStatusCode ? JsonDocument.Parse(body).RootElement.GetProperty("status").GetString()! : body);
    }

    /// <summary>The deployment's log (GET /api/deployments/ID/logs), and the offset to ask from next time.</summary>
    public async Task<(string Text, long Next)> Log(string id)
    {
        using var response = await LongPolls.GetAsync($"{AdminUrl}/api/deployments/{id}/logs");
        return (await response.Content.ReadAsStringAsync(), long.Parse(response.Headers.GetValues("X-Next-Offset").First()));
    }

    public static Task<CliResult> RunCli(string server, params string[] args) => RunCliWithToken(server, null, args);

    /// <summary>`engine serve` on a fresh data dir with options it must refuse: asserts exit code 2 and one line on
    /// stderr, and returns that line.</summary>
    public static async Task<string> RefusedServeAsync(params string[] args)
    {
        var dataDir = Directory.CreateTempSubdirectory("engine-data-").FullName;
        try
        {
            return await RefusedServeInAsync(dataDir, args);
        }
        finally
        {
            Directory.Delete(dataDir, recursive: true);
        }
    }

    /// <summary>As <see cref="RefusedServeAsync"/>, on a data directory the test prepared.</summary>
    public static async Task<string> RefusedServeInAsync(string dataDir, params string[] args)
    {
        var ports = FreePorts.Take(2);
        var result = await RunCli("http://127.0.0.1:1", ["serve", "--data-dir", dataDir,
            "--admin-url", $"http://127.0.0.1:{ports[0]}", "--router-url", $"http://127.0.0.1:{ports[1]}", .. args]);
        Assert.True(result.ExitCode == 2, $"{string.Join(' ', args)}: {result}");
        return Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    public static Task<CliResult> RunCliWithToken(string server, string? token, params string[] args) =>
        RunCliWithInput(server, token, null, args);

    /// <summary>The CLI with <paramref name="input"/> on its standard input (the interactive prompt), closed after it.</summary>
    public Task<CliResult> CliWithInput(string input, params string[] args) => RunCliWithInput(AdminUrl, Token, input, args);

    /// <summary>The interactive prompt with <paramref name="home"/> as the user's home (its history file).</summary>
    public Task<CliResult> PromptAt(string home, string input) => RunCliWithInput(AdminUrl, Token, input, [], home: home);

    /// <summary>A CLI process that streams (`cluster tail`, `deployments logs --follow`), read line by line as it runs.</summary>
    public StreamingCli StartCli(params string[] args) => new(CliStart(AdminUrl, Token, args));

    /// <summary>The CLI as the node's own build runs it (`dotnet engine.dll`), not the native client.</summary>
    public Task<CliResult> NodeBuildCli(params string[] args) => RunCliWithInput(AdminUrl, Token, null, args, nodeBuild: true);

    /// <summary>`serve` is the node's build; every other command the native client's, unless <paramref name="nodeBuild"/>.</summary>
    private static ProcessStartInfo CliStart(string server, string? token, string[] args, bool nodeBuild = false)
    {
        nodeBuild |= args is ["serve", ..];
        var psi = new ProcessStartInfo(nodeBuild ? "dotnet" : NativeClient.Path) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (nodeBuild) psi.ArgumentList.Add(EngineDll);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["ENGINE_SERVER"] = server;
        if (token is not null) psi.Environment["ENGINE_TOKEN"] = token;
        return psi;
    }

    /// <summary>No command of a test runs longer: one that does is a hang, killed and reported with what it printed.</summary>
    private static readonly TimeSpan CliLimit = TimeSpan.FromMinutes(5);

    private static async Task<CliResult> RunCliWithInput(string server, string? token, string? input, string[] args, bool nodeBuild = false,
        string? home = null)
    {
        var psi = CliStart(server, token, args, nodeBuild);
        if (home is not null) psi.Environment["HOME"] = home;
        psi.RedirectStandardInput = input is not null;
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
            process.StandardInput.Close();
        }
        using var limit = new CancellationTokenSource(CliLimit);
        try { await process.WaitForExitAsync(limit.Token); }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException($"`engine {string.Join(' ', args)}` did not end within {CliLimit.TotalMinutes} min; "
                                       + $"it printed: {await stdout}{await stderr}");
        }
        return new CliResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Deploys and asserts success.</summary>
    public async Task<CliResult> DeployAsync(AppDir dir, string app)
    {
        var result = await Cli("deploy", dir.Path, "--app", app, "--json");
        Assert.True(result.ExitCode == 0, result.ToString());
        return result;
    }

    /// <summary>Deploys, asserts exit code 1, and returns the final status and error.</summary>
    public async Task<(string Status, string Error)> DeployFailingAsync(AppDir dir, string app)
    {
        var result = await Cli("deploy", dir.Path, "--app", app, "--json");
        Assert.True(result.ExitCode == 1, result.ToString());
        return (result.LastJson.GetProperty("status").GetString()!, result.LastJson.GetProperty("error").GetString()!);
    }

    /// <summary>A request through the router, addressed by Host header to APP.localhost.</summary>
    public async Task<(HttpStatusCode Status, string Body)> Get(string app, string path = "/", string? host = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, RouterUrl + path);
        request.Headers.Host = host ?? $"{app}.localhost";
        using var response = await _http.SendAsync(request);
        return (response.StatusCode, (await response.Content.ReadAsStringAsync()).Trim());
    }

    /// <summary>Waits until a deployment's status satisfies the condition; returns that status.</summary>
    public Task<string> WaitForStatus(string deploymentId, Func<string, bool> done, string what) =>
        Eventually.Until(() => StatusOf(deploymentId), done, Deadlines.Within, $"{deploymentId}: {what}");

    public Task<string> WaitForStatus(string deploymentId, string status) =>
        WaitForStatus(deploymentId, s => s == status, status);

    /// <summary>Straight from the admin API (the CLI's process start-up would make polling loops coarse).</summary>
    public async Task<string> StatusOf(string deploymentId)
    {
        using var response = await _http.GetAsync($"{AdminUrl}/api/deployments/{deploymentId}");
        var body = await response.Content.ReadAsStringAsync();
        return response.IsSuccessStatusCode
            ? JsonDocument.Parse(body).RootElement.GetProperty("status").GetString()!
            : $"(HTTP {(int)response.StatusCode}: {body})";
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        foreach (var app in _apps) await DockerProbe.RemoveAppAsync(app);
        _http.Dispose();
        if (_ownsDataDir && Directory.Exists(DataDir)) Directory.Delete(DataDir, recursive: true); // a test may have removed it
    }
}

/// <summary>One node shared by the integration tests that need no special settings; each test uses its own apps.</summary>
public sealed class SharedNode : IAsyncLifetime
{
    public EngineNode Node { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Node = await EngineNode.StartAsync("--start-timeout", "5", "--stop-grace", "20", "--max-upload-bytes", "1048576");

    public async Task DisposeAsync() => await Node.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class DockerCollection : ICollectionFixture<SharedNode>
{
    public const string Name = "docker";
}
