using Engine.Protocol;

namespace Engine.Containers;

public sealed record ImageSummary(string Id, IReadOnlyList<string> Tags, string DeploymentId);

/// <summary>A Docker event about one of this engine's containers; ExitCode is set for `die`.</summary>
public sealed record ContainerEvent(string Action, string ContainerId, string App, string DeploymentId, string Slot,
    long? ExitCode);

public sealed record ContainerState(bool Running, bool Restarting, long ExitCode, long RestartCount, string Status);

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
