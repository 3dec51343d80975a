using System.Diagnostics;
using System.Net;
using Docker.DotNet.Models;

namespace Engine.Tests.Support;

/// <summary>Two Docker daemons of their own (one per worker, as on two hosts) with busybox loaded, and a registry
/// between them; shared by the tests of a class.</summary>
public sealed class TwoWorkersFixture : IAsyncLifetime
{
    public PrivateDocker DockerA { get; private set; } = null!;
    public PrivateDocker DockerB { get; private set; } = null!;
    public DockerRegistry Registry { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Registry = await DockerRegistry.StartAsync();
        DockerA = await PrivateDocker.StartAsync();
        DockerB = await PrivateDocker.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (DockerA is not null) await DockerA.DisposeAsync();
        if (DockerB is not null) await DockerB.DisposeAsync();
        if (Registry is not null) await Registry.DisposeAsync();
    }
}

/// <summary>A Lighthouse, a control and router node with no Docker, and two workers `worker-a` and `worker-b`, each on
/// its own Docker daemon and port range; `worker-b` routes too, so requests can go through either router.</summary>
public sealed class TwoWorkerCluster : IAsyncDisposable
{
    public const string NameA = "worker-a";
    public const string NameB = "worker-b";
    public TestCluster Cluster { get; }
    public EngineNode Control { get; }
    public EngineNode A { get; }
    public EngineNode B { get; }

    private TwoWorkerCluster(TestCluster cluster, EngineNode control, EngineNode a, EngineNode b)
    {
        Cluster = cluster;
        Control = control;
        A = a;
        B = b;
    }

    /// <param name="registry">Whether the control node knows the registry (the one that places deployments).</param>
    /// <param name="registryAddress">Another registry address for the control node (default: the fixture's).</param>
    public static async Task<TwoWorkerCluster> StartAsync(PostgresServer postgres, TwoWorkersFixture docker, bool registry = true,
        string? registryAddress = null, params string[] workerArgs)
    {
        var cluster = await TestCluster.StartAsync(postgres);
        try
        {
            string[] withRegistry = ["--registry", docker.Registry.Address];
            var control = await cluster.StartNodeAsync("control,router", [
                "--docker-host", "unix:///nonexistent/docker.sock", "--start-timeout", "30", "--stop-grace", "5",
                .. registry ? ["--registry", registryAddress ?? docker.Registry.Address] : Array.Empty<string>()]);
            var a = await cluster.StartNodeAsync("worker", [
                "--docker-host", docker.DockerA.Host, "--worker-name", NameA, "--port-range", "21000-21999", .. withRegistry, .. workerArgs]);
            var b = await cluster.StartNodeAsync("worker,router", [
                "--docker-host", docker.DockerB.Host, "--worker-name", NameB, "--port-range", "22000-22999", .. withRegistry, .. workerArgs]);
            await TestCluster.AllUpAsync(control, 4);
            return new TwoWorkerCluster(cluster, control, a, b);
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>An app whose web answers with its version, its container and its port: which container served.</summary>
    public static AppDir App(string procfile = "web: sh /app/web.sh\n")
    {
        var dir = new AppDir(procfile);
        File.WriteAllText(dir.Combine("web.sh"), """
            #!/bin/sh
            mkdir -p /tmp/www
            echo "$CONTAINER_VERSION $CONTAINER" > /tmp/www/index.html
            exec httpd -f -p "127.0.0.1:$PORT" -h /tmp/www

            """);
        return dir;
    }

    /// <summary>`engine ps APP` as (type-index, version, worker) rows.</summary>
    public Task<IReadOnlyList<(string Name, string Version, string Worker)>> PsAsync(string app) => PsAsync(Control, app);

    /// <summary>`engine ps APP` asked of <paramref name="node"/>.</summary>
    public static async Task<IReadOnlyList<(string Name, string Version, string Worker)>> PsAsync(EngineNode node, string app)
    {
        var ps = await node.Cli("ps", app, "--json");
        if (ps.ExitCode != 0) throw new InvalidOperationException(ps.ToString());
        return [.. ps.Json.EnumerateArray().Select(c => (c.GetProperty("name").GetString()!, c.GetProperty("version").GetString()!,
            c.GetProperty("worker").GetString()!)).Order()];
    }

    /// <summary>Empty while `engine ps` cannot answer (a worker was lost and the cluster has not noticed yet).</summary>
    public async Task<IReadOnlyList<(string Name, string Version, string Worker)>> TryPsAsync(string app)
    {
        try { return await PsAsync(app); }
        catch (InvalidOperationException) { return []; }
    }

    public ValueTask DisposeAsync() => Cluster.DisposeAsync();
}

/// <summary>Requests to an app through a router, one after the other, until stopped or at most
/// <paramref name="maxRequests"/> of them for at most <paramref name="maxDuration"/> (5 minutes unless told): what was
/// served and what failed, with when.</summary>
public sealed class RequestLoop : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<(TimeSpan At, string Body)> _served = [];
    private readonly List<(TimeSpan At, string Error)> _failed = [];

    public RequestLoop(EngineNode router, string app, int maxRequests = 200_000, TimeSpan? maxDuration = null)
    {
        var until = maxDuration ?? TimeSpan.FromMinutes(5);
        _loop = Task.Run(async () =>
        {
            for (var sent = 0; !_stop.IsCancellationRequested && sent < maxRequests && _clock.Elapsed < until; sent++)
            {
                var at = _clock.Elapsed;
                try
                {
                    var (status, body) = await router.Get(app);
                    lock (this)
                        if (status == HttpStatusCode.OK) _served.Add((at, body));
                        else _failed.Add((at, $"{(int)status} {body}"));
                }
                catch (HttpRequestException e) { lock (this) _failed.Add((at, e.Message)); }
            }
        });
    }

    public TimeSpan Now => _clock.Elapsed;

    public IReadOnlyList<(TimeSpan At, string Body)> Served { get { lock (this) return [.. _served]; } }
    public IReadOnlyList<(TimeSpan At, string Error)> Failed { get { lock (this) return [.. _failed]; } }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
    }
}

public static class PrivateDockerImages
{
    /// <summary>The app's containers on the daemon, each as "ID STATE".</summary>
    public static async Task<IReadOnlySet<string>> ContainerIdsOf(this PrivateDocker docker, string app) =>
        (await docker.Client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["label"] = new Dictionary<string, bool> { [$"engine.app={app}"] = true },
            },
        })).Select(c => $"{c.ID} {c.State}").ToHashSet();

    /// <summary>The image ids of the app's images on the daemon, by tag.</summary>
    public static async Task<IReadOnlyDictionary<string, string>> ImagesOf(this PrivateDocker docker, string app) =>
        (await docker.Client.Images.ListImagesAsync(new ImagesListParameters { All = false }))
        .SelectMany(i => (i.RepoTags ?? []).Select(t => (Tag: t, i.ID)))
        .Where(t => t.Tag.StartsWith($"engine-apps/{app}:", StringComparison.Ordinal))
        .ToDictionary(t => t.Tag, t => t.ID);
}
