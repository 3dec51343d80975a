using Engine.Protocol;

namespace Engine.Containers;

public sealed record ImageSummary(string Id, IReadOnlyList<string> Tags, string DeploymentId);

/// <summary>A Docker event about one of this engine's containers; ExitCode is set for `die`.</summary>
public sealed record ContainerEvent(string Action, string ContainerId, string App, string DeploymentId, string Slot,
    long? ExitCode);

/// <summary>Which of a container's output lines to read: the last <paramref name="Tail"/> (null: all) since
/// <paramref name="Since"/>, then, with <paramref name="Follow"/>, what it writes until it stops.</summary>
public sealed record LogQuery(int? Tail, DateTimeOffset? Since, bool Follow);

/// <summary>One line a container wrote, with Docker's timestamp.</summary>
public sealed record ContainerLogLine(DateTimeOffset At, bool Stderr, string Text);

/// <summary>A container whose stdin a client attaches to; <paramref name="Tty"/>: with a pseudo-terminal.</summary>
public sealed record Terminal(bool Tty);

/// <summary>An attached container's streams. A read of 0 bytes: its output has ended.</summary>
public interface IContainerStream : IDisposable
{
    Task<(int Count, bool Stderr)> ReadAsync(byte[] buffer, CancellationToken ct);
    Task WriteAsync(byte[] data, CancellationToken ct);
    /// <summary>End of input: the process reads EOF.</summary>
    void CloseInput();
}

/// <param name="Health">The image's Docker HEALTHCHECK status (starting, healthy, unhealthy); null when it has none.</param>
/// <param name="HealthOutput">The last probe's output, for an error.</param>
public sealed record ContainerState(bool Running, bool Restarting, long ExitCode, long RestartCount, string Status,
    string? Health = null, string? HealthOutput = null);

public static class ContainerLabels
{
    public const string Instance = "engine.instance";
    public const string App = "engine.app";
    public const string Deployment = "engine.deployment";
    public const string Version = "engine.version";
    public const string Type = "engine.type";
    public const string Slot = "engine.container";
    /// <summary>A web container's $PORT: its worker does not hand it out again while the container exists.</summary>
    public const string Port = "engine.port";
}

public sealed class ContainerRuntimeException(string message, Exception? inner = null) : Exception(message, inner);
