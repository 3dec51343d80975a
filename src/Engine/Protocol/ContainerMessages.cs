using Akka.Actor;

namespace Engine.Protocol;

/// <summary>Start (or, with <paramref name="ReuseRunning"/>, restore) containers and wait until every web one listens
/// (and passes <paramref name="Checks"/> when given), every one with a Docker HEALTHCHECK is healthy, and, when there are
/// non-web ones, every container ran <paramref name="StabilityWindow"/> without exiting. Replies ContainersUp or
/// ContainersFailed.</summary>
[Manifest("start-containers.v1")]
public sealed record StartContainers(IReadOnlyList<ContainerSpec> Specs, TimeSpan Timeout, bool ReuseRunning = false,
    TimeSpan StabilityWindow = default, HealthCheck? Checks = null) : IEngineMessage;

/// <summary>Stop and remove the app's containers: those of <paramref name="OnlyDeployment"/> when set, else every one
/// whose deployment is not in <paramref name="Keep"/>; only those of <paramref name="OnlyType"/> when set; never those
/// whose slot is in <paramref name="KeepSlots"/>. `engine run`'s containers only when <paramref name="OnlyType"/> names
/// them: a deploy, a scale or a restart leaves a running one-off alone, as Heroku's do. Replies ContainersRemoved.</summary>
[Manifest("remove-containers.v1")]
public sealed record RemoveContainers(string App, string? OnlyDeployment, ISet<string> Keep, TimeSpan Grace,
    string? OnlyType = null, ISet<string>? KeepSlots = null) : IEngineMessage
{
    /// <summary>The deployment's containers but those of the given slots (scaled away, or now on another worker).</summary>
    public static RemoveContainers OfDeploymentBut(string app, string deploymentId, IEnumerable<string> keepSlots, TimeSpan grace) =>
        new(app, deploymentId, new HashSet<string>(), grace, KeepSlots: keepSlots.ToHashSet());

    public static RemoveContainers Of(string app, string deploymentId, TimeSpan grace) =>
        new(app, deploymentId, new HashSet<string>(), grace);

    public static RemoveContainers AllBut(string app, IEnumerable<string> keep, TimeSpan grace) =>
        new(app, null, keep.ToHashSet(), grace);

    /// <summary>The deployment's postdeploy container, once its outcome is journaled.</summary>
    public static RemoveContainers HookOf(string app, string deploymentId) =>
        new(app, deploymentId, new HashSet<string>(), TimeSpan.Zero, Procfile.PostDeploy);

    public bool Matches(ContainerSummary c) =>
        (OnlyDeployment is { } only ? c.DeploymentId == only : !Keep.Contains(c.DeploymentId))
        && (OnlyType is null ? c.Type != Procfile.OneOff : c.Type == OnlyType) && KeepSlots?.Contains(c.Slot) != true;

    /// <summary>The `engine run` containers of the app but those of runs still running (<paramref name="running"/>: their
    /// slots), whatever release they ran: what an owner that died between journaling a run's end and removing it left.</summary>
    public static RemoveContainers OneOffsBut(string app, IEnumerable<string> running) =>
        new(app, null, new HashSet<string>(), TimeSpan.Zero, Procfile.OneOff, running.ToHashSet());
}

/// <summary>List the app's containers on the worker. Replies ContainersListed.</summary>
[Manifest("list-containers.v1")]
public sealed record ListContainers(string App) : IAppMessage;

/// <summary><paramref name="Error"/>: Docker could not be asked. <paramref name="Worker"/>: the node whose Docker engine
/// was asked.</summary>
[Manifest("containers-listed.v1")]
public sealed record ContainersListed(List<ContainerSummary> Containers, string? Error = null, string? Worker = null) : IEngineMessage;

/// <summary>Remove this engine's containers of apps it does not know (left by an app's lost registration). Replies
/// StrangersRemoved.</summary>
[Manifest("remove-strangers.v1")]
public sealed record RemoveStrangers(ISet<string> KnownApps) : IEngineMessage;

[Manifest("strangers-removed.v1")]
public sealed record StrangersRemoved(int Count, string? Error) : IEngineMessage;

/// <summary>Remove the app's images built by the given deployments. Replies ImagesPruned.</summary>
[Manifest("prune-images.v1")]
public sealed record PruneImages(string App, ISet<string> Deployments) : IEngineMessage;

[Manifest("images-pruned.v1")]
public sealed record ImagesPruned(string App, IReadOnlyList<string> Removed, IReadOnlyList<string> Failed) : IEngineMessage;
/// <summary>From the Docker watcher: a container of the app exited (Docker's `die` event).</summary>
[Manifest("container-exited.v1")]
public sealed record ContainerExited(string App, string DeploymentId, string Slot, string ContainerId, long? ExitCode)
    : IAppMessage;

/// <summary>From the Docker watcher after Docker was unreachable: remove what belongs to no routed or in-flight
/// deployment and bring the routed version back.</summary>
[Manifest("reconcile-containers.v1")]
public sealed record ReconcileContainers(string App) : IAppMessage;

/// <summary>To an app's keeper: a routed container exited; start it again (with backoff) until it is up. With
/// <paramref name="Reason"/>: it runs but is unhealthy; it is replaced by a new one (found by its labels).</summary>
[Manifest("revive-container.v1")]
public sealed record ReviveContainer(ContainerSpec Spec, string ContainerId, long? ExitCode, string? Reason = null) : IEngineMessage;

/// <summary>To an app's keeper on a worker: check these web containers of the routed release with <paramref name="Checks"/>
/// (none, or null checks: stop), and tell <paramref name="ReportTo"/> each change of health (ContainerHealth).</summary>
[Manifest("watch-health.v1")]
public sealed record WatchHealth(string DeploymentId, IReadOnlyList<ContainerSpec> Webs, HealthCheck? Checks, IActorRef ReportTo) : IEngineMessage;

/// <summary>From a worker's health watch: the container turned unhealthy (its checks failed Unhealthy times in a row) or
/// healthy again (Healthy good answers); <paramref name="Answer"/>: the last one.</summary>
[Manifest("container-health.v1")]
public sealed record ContainerHealth(ContainerSpec Spec, bool Healthy, string Answer) : IEngineMessage;

/// <summary>To an app's keeper: the routed version changed; containers of other deployments are no longer its business.</summary>
[Manifest("keep-only.v1")]
public sealed record KeepOnly(string DeploymentId) : IEngineMessage;

/// <summary>From the keeper: the container runs again and, for web, accepts connections on its port.</summary>
[Manifest("container-revived.v1")]
public sealed record ContainerRevived(ContainerSpec Spec, long? ExitCode) : IEngineMessage;

/// <summary>The app's images on the worker (or on every worker, through the app). Replies ImagesListed.</summary>
[Manifest("list-images.v1")]
public sealed record ListImages(string App) : IAppMessage;

/// <summary>One image of the app on one worker: the deployment that built it, by its tag.</summary>
public sealed record WorkerImage(string Worker, string Id, string Tag, string DeploymentId);

/// <summary><paramref name="Error"/>: workers that could not be asked.</summary>
[Manifest("images-listed.v1")]
public sealed record ImagesListed(List<WorkerImage> Images, string? Error = null) : IEngineMessage;

/// <summary>`engine logs`: the app's containers' output on one worker. <paramref name="Type"/>: a process type, or
/// "one-off" (one-off and postdeploy containers); <paramref name="Container"/>: a slot such as web-1;
/// <paramref name="Tail"/>: the last lines of each container; with <paramref name="Follow"/>, also what they and the
/// app's containers that start later write.</summary>
[Manifest("read-app-logs.v1")]
public sealed record ReadAppLogs(string App, string? Type, string? Container, int Tail, DateTimeOffset? Since, bool Follow)
    : IEngineMessage
{
    public const string OneOff = Procfile.OneOff;

    public bool Matches(string type, string slot) =>
        (Type is null || Type == type || (Type == OneOff && type is OneOff or Procfile.PostDeploy)) && (Container is null || Container == slot);
}

/// <summary>One line of an app's container: <paramref name="Container"/> is its slot (web-1), <paramref name="Stream"/>
/// stdout or stderr.</summary>
public sealed record AppLogLine(DateTimeOffset At, string Container, string Version, string Type, string Stream, string Text,
    string Worker);

/// <summary>A batch of lines from a worker, answered with <see cref="AppLogLinesTaken"/> before the next one comes;
/// <paramref name="End"/>: the worker has no more (not following).</summary>
[Manifest("app-log-lines.v1")]
public sealed record AppLogLines(List<AppLogLine> Lines, bool End, string? Error = null) : IEngineMessage;

[Manifest("app-log-lines-taken.v1")]
public sealed record AppLogLinesTaken : IEngineMessage
{
    public static readonly AppLogLinesTaken Instance = new();
}
