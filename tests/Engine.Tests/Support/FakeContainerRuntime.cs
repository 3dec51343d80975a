using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Engine.Containers;
using Engine.Protocol;

namespace Engine.Tests.Support;

/// <summary>An in-memory container runtime for fast state-machine tests. A "web" container listens on its $PORT for
/// real, so the supervisor's TCP readiness check runs unchanged.</summary>
public sealed class FakeContainerRuntime : IContainerRuntime
{
    private sealed record Running(ContainerSpec Spec, TcpListener? Listener);

    private readonly ConcurrentDictionary<string, Running> _containers = new();
    private readonly ConcurrentDictionary<string, ImageSpec> _images = new();
    private int _next;
    private int _failRemovals;
    private int _removeAttempts;

    public long HookExitCode { get; set; }
    public bool HookBlocks { get; set; }
    /// <summary>Every removal fails, like a Docker that cannot remove a container.</summary>
    public bool RemoveThrows { get; set; }
    /// <summary>Process types whose containers exit with code 1 right after they start.</summary>
    public ConcurrentDictionary<string, bool> Crashing { get; } = new();
    public ConcurrentQueue<ContainerSpec> Started { get; } = new();

    /// <summary>The next this many removals (of other than hook containers) fail, as Docker's do when it cannot delete a
    /// container's filesystem.</summary>
    public int FailRemovals { get => Volatile.Read(ref _failRemovals); set => Volatile.Write(ref _failRemovals, value); }
    public int RemoveAttempts => Volatile.Read(ref _removeAttempts);

    public IReadOnlyList<ContainerSpec> Live => _containers.Values.Select(r => r.Spec).ToList();
    public IReadOnlyList<string> Images => _images.Keys.Order().ToList();

    public Task<string> BuildImageAsync(Stream context, ImageSpec image, Action<string> output, CancellationToken ct)
    {
        output($"fake build of {image.Tag}");
        _images[image.Tag] = image;
        return Task.FromResult($"sha256:fake-{image.Tag}");
    }

    public Task PushImageAsync(string local, string remote, Action<string> output, CancellationToken ct) =>
        throw new NotSupportedException("the fake runtime is one worker: nothing to push");

    public Task PullImageAsync(string remote, string local, Action<string> output, CancellationToken ct) =>
        throw new NotSupportedException("the fake runtime is one worker: nothing to pull");

    public Task<IReadOnlyList<ImageSummary>> ListImagesAsync(string app, CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<ImageSummary>>(_images.Values.Where(i => i.App == app)
            .Select(i => new ImageSummary(i.Tag, [i.Tag], i.DeploymentId)).ToList());

    public Task<string?> ImageIdAsync(string reference, CancellationToken ct) =>
        Task.FromResult(_images.ContainsKey(reference) ? $"sha256:fake-{reference}" : null);

    public Task RemoveImageAsync(string reference, CancellationToken ct)
    {
        if (_containers.Values.Any(c => c.Spec.Image == reference))
            throw new ContainerRuntimeException($"image {reference} is in use");
        _images.TryRemove(reference, out _);
        return Task.CompletedTask;
    }

    public Task<string> RunAsync(ContainerSpec spec, bool restartAlways, CancellationToken ct)
    {
        TcpListener? listener = null;
        if (spec.Port is { } port && !Crashing.ContainsKey(spec.Type))
        {
            listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
        }
        var id = $"fake{Interlocked.Increment(ref _next)}";
        _containers[id] = new Running(spec, listener);
        Started.Enqueue(spec);
        return Task.FromResult(id);
    }

    public Task<ContainerState?> InspectAsync(string id, CancellationToken ct) =>
        Task.FromResult(!_containers.TryGetValue(id, out var c) ? null
            : Crashing.ContainsKey(c.Spec.Type) ? new ContainerState(true, false, 0, 1, "running") // restarted once
            : new ContainerState(true, false, 0, 0, "running"));

    public async Task<long> WaitAsync(string id, CancellationToken ct)
    {
        if (_containers.TryGetValue(id, out var c) && c.Spec.Type != "postdeploy")
        {
            if (Crashing.ContainsKey(c.Spec.Type)) return 1;
            await Task.Delay(Timeout.Infinite, ct);
        }
        if (HookBlocks) await Task.Delay(Timeout.Infinite, ct);
        return HookExitCode;
    }

    public Task StreamLogsAsync(string id, Action<string> line, CancellationToken ct)
    {
        if (_containers.TryGetValue(id, out var c)) line($"fake output of {c.Spec.Slot} {c.Spec.Version}");
        return Task.CompletedTask;
    }

    public Task<string> TailLogsAsync(string id, int lines, CancellationToken ct) => Task.FromResult("");

    private int _listCalls;
    public int ListCalls => Volatile.Read(ref _listCalls);
    /// <summary>When set, a listing answers only once it completes: a slow Docker engine.</summary>
    public TaskCompletionSource? ListGate { get; set; }

    public async Task<IReadOnlyList<ContainerSummary>> ListAsync(string? app, CancellationToken ct)
    {
        Interlocked.Increment(ref _listCalls);
        if (ListGate is { } gate) await gate.Task.WaitAsync(ct);
        return _containers
            .Where(c => app is null || c.Value.Spec.App == app)
            .Select(c => new ContainerSummary(c.Key, c.Value.Spec.Name, c.Value.Spec.App, c.Value.Spec.DeploymentId,
                c.Value.Spec.Version, c.Value.Spec.Type, c.Value.Spec.Slot, "running", c.Value.Spec.Port)).ToList();
    }

    /// <summary>Containers that vanish behind the engine's back, like a `docker rm -f`.</summary>
    public void RemoveWhere(Func<ContainerSpec, bool> match)
    {
        foreach (var (id, c) in _containers.Where(c => match(c.Value.Spec)).ToList())
            if (_containers.TryRemove(id, out _)) c.Listener?.Stop();
    }

    public Task StopAndRemoveAsync(string id, TimeSpan grace, CancellationToken ct)
    {
        if (RemoveThrows) throw new ContainerRuntimeException($"fake: cannot remove {id}");
        // The hook actor removes its own container; these tests are about the supervisor's removals.
        if (_containers.TryGetValue(id, out var hook) && hook.Spec.Type == "postdeploy") return Remove(id);
        Interlocked.Increment(ref _removeAttempts);
        if (Interlocked.Decrement(ref _failRemovals) >= 0)
            throw new ContainerRuntimeException($"Docker refused to remove a container: fake failure removing {id}");
        Interlocked.Exchange(ref _failRemovals, 0);
        return Remove(id);
    }

    private Task Remove(string id)
    {
        if (_containers.TryRemove(id, out var c)) c.Listener?.Stop();
        return Task.CompletedTask;
    }

    public Task StartExistingAsync(string id, CancellationToken ct) => Task.CompletedTask;

    public Task<string> CreateAsync(ContainerSpec spec, bool restartAlways, Terminal? terminal, CancellationToken ct) =>
        RunAsync(spec, restartAlways, ct);

    /// <summary>One-off runs are proven on real Docker only.</summary>
    public Task<IContainerStream> AttachAsync(string id, bool tty, CancellationToken ct) =>
        throw new ContainerRuntimeException("the fake runtime has no attach");

    public Task ResizeAsync(string id, int width, int height, CancellationToken ct) => Task.CompletedTask;

    public Task SignalAsync(string id, string signal, CancellationToken ct) => Task.CompletedTask;

    /// <summary>While set, pings fail and event streams break: Docker is away.</summary>
    public volatile bool DockerDown;

    private Action<ContainerEvent>? _watcher;
    private TaskCompletionSource _stream = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task PingAsync(CancellationToken ct) =>
        DockerDown ? Task.FromException(new ContainerRuntimeException("fake Docker is down")) : Task.CompletedTask;

    /// <summary>Stays open until cancelled or <see cref="BreakStream"/>; events come from <see cref="Emit"/>.</summary>
    public Task ReadLogsAsync(string id, LogQuery query, Action<ContainerLogLine> line, CancellationToken ct) => Task.CompletedTask;

    public async Task WatchAsync(Action<ContainerEvent> onEvent, CancellationToken ct, string action = "die", string? app = null)
    {
        if (DockerDown) throw new ContainerRuntimeException("fake Docker is down");
        _watcher = onEvent;
        await _stream.Task.WaitAsync(ct);
    }

    public void Emit(ContainerEvent e) => _watcher?.Invoke(e);

    public bool Watching => _watcher is not null;

    public event Action<string>? Unanswered;

    public void RaiseUnanswered(string what) => Unanswered?.Invoke(what);

    public void BreakStream()
    {
        _watcher = null;
        var broken = _stream;
        _stream = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        broken.SetResult();
    }
}
