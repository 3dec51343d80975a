using System.Diagnostics;
using System.Net;
using Engine.Containers;

namespace Engine.Bench;

/// <summary>An `engine serve` process on free loopback ports and a throwaway data dir, as a user would run it.</summary>
public sealed class BenchNode : IAsyncDisposable
{
    private Process _process = null!;
    private readonly string _dataDir;
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    public string EngineDll { get; }
    /// <summary>The native client's executable; null: the node's own build runs client commands.</summary>
    public string? Client { get; }
    public string AdminUrl { get; }
    public string RouterUrl { get; }
    public int Pid => _process.Id;

    public string DatabasePath => Path.Combine(_dataDir, "engine.db");

    private BenchNode(string engineDll, string? client, string dataDir, string adminUrl, string routerUrl)
    {
        EngineDll = engineDll;
        Client = client;
        _dataDir = dataDir;
        AdminUrl = adminUrl;
        RouterUrl = routerUrl;
    }

    public static async Task<BenchNode> StartAsync(string engineDll, string? client)
    {
        var dataDir = Directory.CreateTempSubdirectory("engine-bench-").FullName;
        var ports = FreePorts.Take(2);
        var node = new BenchNode(engineDll, client, dataDir, $"http://127.0.0.1:{ports[0]}", $"http://127.0.0.1:{ports[1]}");
        await node.StartProcessAsync();
        return node;
    }

    /// <summary>SIGKILL, then a new process on the same data dir and ports; returns once the admin API answers.</summary>
    public async Task RestartAsync()
    {
        await KillAsync();
        await StartProcessAsync();
    }

    private async Task StartProcessAsync()
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { EngineDll, "serve", "--data-dir", _dataDir, "--admin-url", AdminUrl, "--router-url", RouterUrl })
            psi.ArgumentList.Add(a);
        var process = Process.Start(psi)!;
        // Drain the node's output so it never blocks on a full pipe.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            if (process.HasExited) throw new InvalidOperationException($"engine exited with {process.ExitCode}");
            try { if ((await _http.GetAsync($"{AdminUrl}/api/apps")).IsSuccessStatusCode) return; }
            // A first answer slower than the client's timeout on a loaded machine is still within the 60 s deadline.
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { }
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the engine's admin API did not come up within 60 s");
            await Task.Delay(20);
        }
    }

    private async Task KillAsync()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public Task<ProcessResult> Cli(params string[] args) =>
        Shell.RunAsync(Client ?? "dotnet", Client is null ? [EngineDll, .. args] : args, TimeSpan.FromMinutes(5),
            new Dictionary<string, string> { ["ENGINE_SERVER"] = AdminUrl });

    /// <summary>A client command to start and read as it runs (e.g. `logs -f`).</summary>
    public System.Diagnostics.ProcessStartInfo CliStart(params string[] args)
    {
        var start = new System.Diagnostics.ProcessStartInfo(Client ?? "dotnet", Client is null ? [EngineDll, .. args] : args);
        start.Environment["ENGINE_SERVER"] = AdminUrl;
        return start;
    }

    /// <summary>One request through the router to APP.localhost; null when nothing answered.</summary>
    public async Task<(HttpStatusCode Status, string Body)?> GetAsync(string app)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, RouterUrl + "/");
        request.Headers.Host = $"{app}.localhost";
        try
        {
            using var response = await _http.SendAsync(request);
            return (response.StatusCode, (await response.Content.ReadAsStringAsync()).Trim());
        }
        catch (HttpRequestException) { return null; }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _http.Dispose();
        // What the node started outlives it: remove its containers by its instance label, its images by their tag.
        var instance = File.ReadAllText(Path.Combine(_dataDir, "instance-id")).Trim();
        await Shell.RunAsync("sh", ["-c", $"docker rm -f $(docker ps -aq --filter label=engine.instance={instance}) >/dev/null 2>&1; " +
            $"docker rmi -f $(docker images --format '{{{{.Repository}}}}:{{{{.Tag}}}}' --filter 'reference=engine-apps/*:*-{instance}') >/dev/null 2>&1; true"],
            TimeSpan.FromMinutes(5));
        Directory.Delete(_dataDir, recursive: true);
    }
}
