using System.Diagnostics;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Engine.Tests.Support;

/// <summary>A Docker daemon of the test's own, beside the system one, that a fault test may stop, start, freeze and
/// thaw. The system daemon serves every other test and is never touched beyond reading busybox from it.</summary>
public sealed class PrivateDocker : IAsyncDisposable
{
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(60);
    private readonly string _root;
    private Process? _daemon;
    private readonly DockerClient _client;
    private bool _frozen;

    /// <summary>The daemon's socket as a Docker host URI, for `engine serve --docker-host`.</summary>
    public string Host { get; }

    public string Output { get; private set; } = "";

    /// <summary>A bridge of its own: with `--bridge=none` dockerd deletes the host's `docker0`, which the system
    /// daemon's default network needs.</summary>
    private readonly string _bridge = $"pdbr{Random.Shared.Next(0x10000):x4}";

    private PrivateDocker()
    {
        // Short path: a unix socket path must stay under 108 bytes.
        _root = Directory.CreateTempSubdirectory("pd-").FullName;
        Host = $"unix://{_root}/docker.sock";
        _client = new DockerClientConfiguration(new Uri(Host), defaultTimeout: TimeSpan.FromSeconds(30)).CreateClient();
    }

    public DockerClient Client => _client;

    /// <summary>Starts a daemon and loads the system daemon's busybox image into it.</summary>
    public static async Task<PrivateDocker> StartAsync()
    {
        var docker = new PrivateDocker();
        try
        {
            docker.Run("ip", "link", "add", docker._bridge, "type", "bridge");
            // A link-local subnet: nothing is ever routed there.
            docker.Run("ip", "addr", "add", $"169.254.{Random.Shared.Next(1, 254)}.1/24", "dev", docker._bridge);
            docker.Run("ip", "link", "set", docker._bridge, "up");
            await docker.StartDaemonAsync();
            await docker.ImportBusyboxAsync();
            return docker;
        }
        catch
        {
            await docker.DisposeAsync();
            throw;
        }
    }

    public int Pid => _daemon?.Id ?? throw new InvalidOperationException("the private daemon is not running");

    /// <summary>Starts the daemon again on the same data root; waits until it answers.</summary>
    public Task StartDaemonAsync()
    {
        var psi = new ProcessStartInfo("dockerd") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[]
                 {
                     "-H", Host, "--data-root", Path.Combine(_root, "data"), "--exec-root", Path.Combine(_root, "exec"),
                     "--pidfile", Path.Combine(_root, "docker.pid"), "--bridge", _bridge, "--iptables=false",
                     "--storage-driver", "vfs",
                 })
            psi.ArgumentList.Add(a);
        var process = Process.Start(psi)!;
        process.OutputDataReceived += (_, e) => { lock (this) Output += e.Data + "\n"; };
        process.ErrorDataReceived += (_, e) => { lock (this) Output += e.Data + "\n"; };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _daemon = process;
        return Eventually.Until(async () =>
        {
            if (process.HasExited) throw new InvalidOperationException($"dockerd exited with {process.ExitCode}:\n{Output}");
            try
            {
                using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _client.System.PingAsync(limit.Token);
                return true;
            }
            catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException or DockerApiException
                                          || e.InnerException is System.Net.Sockets.SocketException)
            {
                return false;
            }
        }, up => up, StartLimit, "the private dockerd to answer");
    }

    private async Task ImportBusyboxAsync()
    {
        using var system = new DockerClientConfiguration(new Uri(
            Environment.GetEnvironmentVariable("DOCKER_HOST") is { Length: > 0 } h ? h : "unix:///var/run/docker.sock")).CreateClient();
        await using var image = await system.Images.SaveImageAsync("busybox:latest");
        await _client.Images.LoadImageAsync(new ImageLoadParameters { Quiet = true }, image, new Progress<JSONMessage>());
        await _client.Images.InspectImageAsync("busybox:latest"); // throws when the load did not produce it
    }

    /// <summary>SIGTERM, like `systemctl stop docker`: the daemon stops its containers and exits.</summary>
    public async Task StopDaemonAsync()
    {
        if (_daemon is not { HasExited: false } d) return;
        if (_frozen) Thaw();
        Signal("TERM", d.Id);
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await d.WaitForExitAsync(limit.Token);
    }

    /// <summary>`kill -STOP`: the daemon keeps its sockets open but answers nothing.</summary>
    public void Freeze()
    {
        Signal("STOP", Pid);
        _frozen = true;
    }

    public void Thaw()
    {
        Signal("CONT", Pid);
        _frozen = false;
    }

    private void Run(string file, params string[] args)
    {
        using var p = Process.Start(file, args);
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed with {p.ExitCode}");
    }

    private static void Signal(string signal, int pid)
    {
        using var kill = Process.Start("kill", ["-" + signal, pid.ToString()]);
        kill.WaitForExit();
        if (kill.ExitCode != 0) throw new InvalidOperationException($"kill -{signal} {pid} failed");
    }

    /// <summary>Containers of one app on this daemon (name, version label, type label, state).</summary>
    public async Task<IReadOnlyList<ProbedContainer>> ContainersOf(string app)
    {
        var list = await _client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["label"] = new Dictionary<string, bool> { [$"engine.app={app}"] = true },
            },
        });
        return list.Select(c => new ProbedContainer(c.Names[0].TrimStart('/'), c.Labels["engine.version"],
            c.Labels["engine.type"], c.State)).OrderBy(c => c.Name).ToList();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_daemon is { HasExited: false } d)
            {
                // Containers first, so the daemon's shutdown has nothing to wait for.
                if (_frozen) Thaw();
                try
                {
                    foreach (var c in await _client.Containers.ListContainersAsync(new ContainersListParameters { All = true }))
                        await _client.Containers.RemoveContainerAsync(c.ID, new ContainerRemoveParameters { Force = true });
                }
                catch (Exception e) when (e is HttpRequestException or IOException or DockerApiException) { }
                await StopDaemonAsync();
                d.Dispose();
            }
        }
        finally
        {
            _client.Dispose();
            // vfs keeps no mounts under the data root, but the exec root may hold netns mounts: unmount before deleting.
            foreach (var mount in File.ReadAllLines("/proc/mounts").Select(l => l.Split(' ')[1]).Where(m => m.StartsWith(_root)).Reverse())
                Process.Start("umount", ["-l", mount])?.WaitForExit();
            try { Directory.Delete(_root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            using (var del = Process.Start("ip", ["link", "del", _bridge])) del.WaitForExit(); // absent if never made: fine
        }
    }
}

/// <summary>One private daemon shared by the tests of a class (a daemon start costs seconds).</summary>
public sealed class PrivateDockerFixture : IAsyncLifetime
{
    public PrivateDocker Docker { get; private set; } = null!;

    public async Task InitializeAsync() => Docker = await PrivateDocker.StartAsync();

    public async Task DisposeAsync() => await Docker.DisposeAsync();
}
