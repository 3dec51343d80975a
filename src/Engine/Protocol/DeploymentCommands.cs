
namespace Engine.Protocol;

public interface IDeploymentCommand : IEngineMessage;

/// <summary>From the app: it is this deployment's turn, with the app's formation (containers per process type; a type
/// not in it runs one) and HTTP checks (null: none). The deployment adds the worker it picked to build (null: none is up).</summary>
[Manifest("start-deployment.v1")]
public sealed record StartDeployment(string? Worker = null, IReadOnlyDictionary<string, int>? Formation = null, HealthCheck? Checks = null)
    : IDeploymentCommand
{
    public static readonly StartDeployment Instance = new();
}

/// <summary>Its turn came while more than one worker is up and no registry is configured: the image could not reach the
/// other workers, so nothing starts.</summary>
[Manifest("no-registry.v1")]
public sealed record NoRegistry(int Workers) : IDeploymentCommand
{
    public static string Error(int workers) =>
        $"{workers} worker nodes are up and no registry is configured: images travel between workers through one "
        + "(start every node with --registry HOST:PORT)";
}

/// <summary>A child on this worker node stopped because the node left the cluster (killed, or downed as unreachable).</summary>
[Manifest("worker-lost.v1")]
public sealed record WorkerLost(string Worker) : IDeploymentCommand;

/// <summary>Its turn came and no worker node came up in time: nothing was started, so it fails.</summary>
[Manifest("no-worker-up.v1")]
public sealed record NoWorkerUp : IDeploymentCommand
{
    public static readonly NoWorkerUp Instance = new();
    public const string Error = "no worker node is up to build and run it (start a node with the worker role)";
}

/// <summary><paramref name="WorkerHost"/>: where routers reach the containers of the worker that built it (null: this node);
/// <paramref name="ImageId"/>: Docker's id of the image built (null when it could not be read).</summary>
[Manifest("build-succeeded.v1")]
public sealed record BuildSucceeded(string Image, IReadOnlyList<ProcessType> Processes, string? WorkerHost = null, string? ImageId = null)
    : IDeploymentCommand;
[Manifest("build-failed.v1")]
public sealed record BuildFailed(string Error) : IDeploymentCommand;

/// <summary>From a build on another node: the upload's bytes from this offset (to the deployment: its own upload; to a
/// node's uploads actor: the one at <paramref name="Path"/>). Replied with a FileChunk.</summary>
[Manifest("read-source.v1")]
public sealed record ReadSource(long Offset, string? Path = null) : IEngineMessage;

/// <summary>To the uploads actor of the node that stored it: the deployment is over.</summary>
[Manifest("delete-upload.v1")]
public sealed record DeleteUpload(string Path) : IEngineMessage;

/// <summary>Up to <see cref="Size"/> bytes of a file that another node reads (an upload, a deployment's log), under
/// Akka remoting's frame limit once in base64.</summary>
[Manifest("file-chunk.v1")]
public sealed record FileChunk(long Offset, byte[] Data, bool Last, string? Error = null) : IEngineMessage
{
    public const int Size = 64 * 1024;

    /// <param name="missing">The error when there is no such file; null: it reads as empty.</param>
    public static FileChunk Read(string path, long offset, string? missing = "the uploaded source is no longer on disk")
    {
        try
        {
            using var file = File.OpenRead(path);
            file.Position = offset;
            var data = new byte[Math.Clamp(file.Length - offset, 0, Size)];
            file.ReadExactly(data);
            return new FileChunk(offset, data, offset + data.Length >= file.Length);
        }
        catch (IOException e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return new FileChunk(offset, [], true, missing);
        }
    }
}

/// <summary>The image is on every worker that will run the release (a no-op on one worker): each container placed, web
/// ones with the $PORT their worker handed out.</summary>
[Manifest("image-pushed.v1")]
public sealed record ContainersPlaced(IReadOnlyList<PlacedContainer> Placed) : IDeploymentCommand;

/// <summary>The release could not be placed or its image not distributed; nothing was started.</summary>
[Manifest("placement-failed.v1")]
public sealed record PlacementFailed(string Status, string Error) : IDeploymentCommand;

/// <summary><paramref name="Ids"/>: Docker's container id by slot (web-1, …), for the audit.</summary>
[Manifest("containers-up.v1")]
public sealed record ContainersUp(IReadOnlyList<ContainerSpec> Containers, IReadOnlyDictionary<string, string>? Ids = null)
    : IDeploymentCommand;
[Manifest("containers-failed.v1")]
public sealed record ContainersFailed(string Status, string Error) : IDeploymentCommand;

[Manifest("hook-succeeded.v1")]
public sealed record HookSucceeded : IDeploymentCommand
{
    public static readonly HookSucceeded Instance = new();
}

[Manifest("hook-failed.v1")]
public sealed record HookFailed(string Error) : IDeploymentCommand;

/// <summary>After a restart during the hook its container was not found: whether the hook ran is unknown.</summary>
[Manifest("hook-lost.v1")]
public sealed record HookLost(string Error) : IDeploymentCommand;

[Manifest("route-switched.v1")]
public sealed record RouteSwitched(string App, string DeploymentId) : IDeploymentCommand;
[Manifest("route-drained.v1")]
public sealed record RouteDrained(string App, string DeploymentId) : IDeploymentCommand;

/// <summary>Docker confirmed the matching containers gone; or, after retrying, some are still there
/// (<paramref name="Leftover"/>) or Docker could not tell (<paramref name="Error"/>).</summary>
[Manifest("containers-removed.v1")]
public sealed record ContainersRemoved(int Count, IReadOnlyList<string>? Leftover = null, string? Error = null) : IDeploymentCommand
{
    public bool Confirmed => Error is null && Leftover is not { Count: > 0 };

    public string Problem => Leftover is { Count: > 0 } left
        ? $"{left.Count} container(s) could not be removed: {string.Join(", ", left)}{(Error is null ? "" : $" ({Error})")}"
        : $"the removal of containers could not be confirmed: {Error}";
}

/// <summary>An operator's cancel (<paramref name="By"/>: who asked): aborted from any phase before the switch.</summary>
[Manifest("cancel-requested.v1")]
public sealed record CancelRequested(string By) : IDeploymentCommand;

[Manifest("deployment-timed-out.v1")]
public sealed record DeploymentTimedOut : IDeploymentCommand
{
    public static readonly DeploymentTimedOut Instance = new();
}

/// <summary>Sent to itself while switching: if the switch has not finished by then, its (idempotent) steps run again.</summary>
[Manifest("switch-stalled.v1")]
public sealed record SwitchStalled : IDeploymentCommand
{
    public static readonly SwitchStalled Instance = new();
}

/// <summary>Sent to itself when recovery finds it mid-flight after a restart.</summary>
[Manifest("recovered-in-flight.v1")]
public sealed record RecoveredInFlight : IDeploymentCommand
{
    public static readonly RecoveredInFlight Instance = new();
}

/// <summary>From a re-attached hook to its deployment: how many lines of its output the log holds already. -> HookLinesLogged</summary>
[Manifest("count-hook-lines.v1")]
public sealed record CountHookLines(string DeploymentId) : IEngineMessage;

[Manifest("hook-lines-logged.v1")]
public sealed record HookLinesLogged(int Count) : IEngineMessage;

/// <summary>A line of build, start or hook output for the deployment's log; <paramref name="Hook"/>: the hook's own output.</summary>
[Manifest("deployment-log-line.v1")]
public sealed record DeploymentLogLine(string Text, bool Hook = false) : IEngineMessage;

/// <summary>On the event stream of the node that runs the deployment: its log grew (every status change writes a line
/// too); wakes the requests that wait for it, on any node (see <see cref="Apps.WatchDeployment"/>).</summary>
[Manifest("deployment-changed.v1")]
public sealed record DeploymentChanged(string DeploymentId) : IEngineMessage;

[Manifest("get-deployment-view.v1")]
public sealed record GetDeploymentView : IEngineMessage
{
    public static readonly GetDeploymentView Instance = new();
}

[Manifest("deployment-view.v1")]
public sealed record DeploymentView(string Id, string App, string Version, string Status, DateTimeOffset CreatedAt,
    DateTimeOffset? FinishedAt, string? Error) : IEngineMessage;
