using Engine.Protocol;

namespace Engine.Containers;

/// <summary>The engine's view of one Docker host. All containers it lists or touches carry this engine's instance label.</summary>
public interface IContainerRuntime
{
    /// <summary>Builds the image from a tar build context, labelled with its app and deployment, and returns its id; throws
    /// <see cref="ContainerRuntimeException"/> with the builder's error.</summary>
    Task<string> BuildImageAsync(Stream context, ImageSpec image, Action<string> output, CancellationToken ct);

    /// <summary>Pushes a local image to a registry under <paramref name="remote"/>; the extra tag is dropped after.</summary>
    Task PushImageAsync(string local, string remote, Action<string> output, CancellationToken ct);

    /// <summary>Pulls <paramref name="remote"/> from its registry and tags it <paramref name="local"/> (the registry's tag
    /// is dropped), so containers and pruning see the same name on every worker.</summary>
    Task PullImageAsync(string remote, string local, Action<string> output, CancellationToken ct);

    /// <summary>This engine's images of the app.</summary>
    Task<IReadOnlyList<ImageSummary>> ListImagesAsync(string app, CancellationToken ct);

    /// <summary>The id of the image of that tag; null when there is none.</summary>
    Task<string?> ImageIdAsync(string reference, CancellationToken ct);

    /// <summary>Untags (and deletes when it was the last tag) an image; never forced, so an image a container still uses
    /// stays and this throws. A missing image is fine.</summary>
    Task RemoveImageAsync(string reference, CancellationToken ct);

    /// <summary>Creates and starts the container, named after the spec and this engine instance; returns its id.</summary>
    Task<string> RunAsync(ContainerSpec spec, bool restartAlways, CancellationToken ct);

    /// <summary>Creates the container without starting it; with a <paramref name="terminal"/>, its stdin stays open for
    /// <see cref="AttachAsync"/>.</summary>
    Task<string> CreateAsync(ContainerSpec spec, bool restartAlways, Terminal? terminal, CancellationToken ct);

    /// <summary>The container's stdin, stdout and stderr (attach before starting it, so no output is missed).</summary>
    Task<IContainerStream> AttachAsync(string id, bool tty, CancellationToken ct);

    Task ResizeAsync(string id, int width, int height, CancellationToken ct);

    /// <summary>Sends a signal (`INT`, `TERM`…) to the container's process; a stopped or missing container is fine.</summary>
    Task SignalAsync(string id, string signal, CancellationToken ct);

    /// <summary>Null when the container no longer exists.</summary>
    Task<ContainerState?> InspectAsync(string id, CancellationToken ct);

    Task<long> WaitAsync(string id, CancellationToken ct);

    /// <summary>Follows stdout and stderr line by line until the container stops.</summary>
    Task StreamLogsAsync(string id, Action<string> line, CancellationToken ct);

    Task<string> TailLogsAsync(string id, int lines, CancellationToken ct);

    /// <summary>The container's output lines with their timestamps, as <paramref name="query"/> says; returns when the
    /// container stops (following) or the lines asked for are read. A missing container has none.</summary>
    Task ReadLogsAsync(string id, LogQuery query, Action<ContainerLogLine> line, CancellationToken ct);

    Task<IReadOnlyList<ContainerSummary>> ListAsync(string? app, CancellationToken ct);

    /// <summary>SIGTERM, then SIGKILL after the grace period, then removal. Missing containers are fine.</summary>
    Task StopAndRemoveAsync(string id, TimeSpan grace, CancellationToken ct);

    /// <summary>Starts an existing, stopped container again.</summary>
    Task StartExistingAsync(string id, CancellationToken ct);

    /// <summary>Returns when the Docker engine answers; throws <see cref="ContainerRuntimeException"/> when it does not in time.</summary>
    Task PingAsync(CancellationToken ct);

    /// <summary>Follows the <paramref name="action"/> events (`die` unless told) of this engine's containers, of one app
    /// when <paramref name="app"/> is set; returns or throws when the stream breaks (Docker stopped or restarted).</summary>
    Task WatchAsync(Action<ContainerEvent> onEvent, CancellationToken ct, string action = "die", string? app = null);

    /// <summary>Raised when a call found Docker unreachable or silent past its deadline: what that call meant to do may
    /// be left undone, so the watcher reconciles once Docker answers again.</summary>
    event Action<string>? Unanswered;
}
