using Akka.Actor;

namespace Engine.Protocol;

/// <summary>Addressed to one app: its entity in the shard region.</summary>
public interface IAppMessage : IEngineMessage
{
    string App { get; }
}

/// <summary>Creates the app when it does not exist yet.</summary>
public interface ICreatesApp : IAppMessage;

/// <param name="By">Who asked (see <c>Admin.Caller</c>), journaled with what it changes; so for ChangeEnv, ScaleApp.</param>
/// <param name="IdempotencyKey">The upload's Idempotency-Key: a repeat gets the deployment the first one made.</param>
[Manifest("create-deployment.v1")]
public sealed record CreateDeployment(string App, string ArchivePath, string? ArchiveNode = null, string? By = null,
    string? IdempotencyKey = null) : ICreatesApp;   // -> DeploymentView | DeploymentRepeated | AppError

/// <summary>The answer to a repeated upload (same idempotency key): the deployment the first one made; the repeat's
/// archive is not used.</summary>
[Manifest("deployment-repeated.v1")]
public sealed record DeploymentRepeated(DeploymentView View) : IEngineMessage;

[Manifest("change-env.v1")]
public sealed record ChangeEnv(string App, IReadOnlyDictionary<string, string> Set, IReadOnlyList<string> Unset, string? By = null)
    : ICreatesApp;                                                                     // -> EnvView | AppError

[Manifest("get-env.v1")]
public sealed record GetEnv(string App) : IAppMessage;                                // -> EnvView
[Manifest("get-formation.v1")]
public sealed record GetFormation(string App) : IAppMessage;                          // -> FormationView

/// <summary>`engine scale APP TYPE=N…`: applies to the routed release at once and to later deployments.</summary>
[Manifest("scale-app.v1")]
public sealed record ScaleApp(string App, IReadOnlyDictionary<string, int> Set, string? By = null) : IAppMessage;   // -> FormationView | AppError
[Manifest("get-deployments.v1")]
public sealed record GetDeployments(string App) : IAppMessage;                        // -> DeploymentList
[Manifest("get-deployment.v1")]
public sealed record GetDeployment(string App, string DeploymentId) : IAppMessage;    // -> DeploymentView | AppError
[Manifest("get-app.v1")]
public sealed record GetApp(string App) : IAppMessage;

/// <summary>`engine apps restart APP`: the routed release's containers, one at a time (-> RestartedContainers | AppError).</summary>
[Manifest("restart-app.v1")]
public sealed record RestartApp(string App, string By) : IAppMessage;

/// <summary>One container a restart replaced.</summary>
public sealed record RestartedContainer(string Type, string Name, string? Worker);

/// <summary>The answers that are lists: each a record, so that it has a contract (the admin API answers with the list).</summary>
public interface IListReply
{
    object Items { get; }
}

[Manifest("restarted-containers.v1")]
public sealed record RestartedContainers(IReadOnlyList<RestartedContainer> Containers) : IEngineMessage, IListReply
{
    object IListReply.Items => Containers;
}

[Manifest("app-list.v1")]
public sealed record AppList(IReadOnlyList<AppView> Apps) : IEngineMessage, IListReply
{
    object IListReply.Items => Apps;
}

[Manifest("deployment-list.v1")]
public sealed record DeploymentList(IReadOnlyList<DeploymentView> Deployments) : IEngineMessage, IListReply
{
    object IListReply.Items => Deployments;
}

/// <summary>`engine deployments cancel ID`: ends the deployment as aborted before its traffic switch (-> DeploymentView
/// once it has ended | AppError, Conflict once the switch is committed).</summary>
[Manifest("cancel-deployment.v1")]
public sealed record CancelDeployment(string App, string DeploymentId, string By) : IAppMessage;
[Manifest("get-container-restarts.v1")]
public sealed record GetRevivals(string App) : IAppMessage;                  // -> RevivalsView

/// <summary>Bytes of a deployment's log from an offset, read on the node that runs the app, where the log is written
/// (-> FileChunk | AppError).</summary>
[Manifest("read-deployment-log.v1")]
public sealed record ReadDeploymentLog(string App, string DeploymentId, long Offset) : IAppMessage;

/// <summary>Subscribes a waiting request's <paramref name="Waiter"/> to the deployment's changes on the node that runs
/// the app (-> WatchingDeployment | AppError). The subscription ends when the waiter stops.</summary>
[Manifest("watch-deployment.v1")]
public sealed record WatchDeployment(string App, string DeploymentId, IActorRef Waiter) : IAppMessage;

/// <summary>The length of the deployment's log when the waiter was subscribed: any later line wakes it.</summary>
[Manifest("watching-deployment.v1")]
public sealed record WatchingDeployment(long LogLength) : IEngineMessage;

/// <summary>Where the app's history lies in the journal (-> AuditSources). The admin API fills in where the registry that
/// came before journaled the app's registration (apps registered since have it in their own stream).</summary>
[Manifest("get-audit-sources.v1")]
public sealed record GetAuditSources(string App, JournalRange? Registration = null) : IAppMessage;

/// <summary>Events <paramref name="From"/>..<paramref name="To"/> (sequence numbers) of one persistence id.</summary>
public sealed record JournalRange(string PersistenceId, long From, long To);

/// <summary>Every journal range that holds events of the app: its registration, its own events, its deployments'.</summary>
[Manifest("audit-sources.v1")]
public sealed record AuditSources(string App, IReadOnlyList<JournalRange> Ranges) : IEngineMessage;

[Manifest("list-apps.v1")]
public sealed record ListApps : IEngineMessage                                       // -> AppList
{
    public static readonly ListApps Instance = new();
}

[Manifest("env-view.v1")]
public sealed record EnvView(string App, IReadOnlyDictionary<string, string> Env) : IEngineMessage;

[Manifest("formation-view.v1")]
public sealed record FormationView(string App, IReadOnlyDictionary<string, int> Formation) : IEngineMessage;

[Manifest("container-restarts-view.v1")]
public sealed record RevivalsView(IReadOnlyDictionary<string, SlotRevivals> Restarts) : IEngineMessage;

/// <summary><paramref name="Node"/>: the address of the node whose app actor answered (none for an idle app, which runs
/// nowhere until asked).</summary>
[Manifest("app-view.v1")]
public sealed record AppView(string Name, string? RoutedVersion, string? RoutedDeployment, int Deployments, string Url,
    string? Node = null, AppLock? Lock = null, Maintenance? Maintenance = null, HealthCheck? Checks = null) : IEngineMessage;

/// <summary>A refusal with its reason; NotFound maps to 404, Unavailable (the engine cannot do it right now, e.g. the
/// journal cannot be written) to 503, Conflict (a well-formed request the entity's state refuses, e.g. a cancel after
/// the hook succeeded) to 409, Locked (`engine apps lock`) to 423, otherwise 400.</summary>
[Manifest("app-error.v1")]
public sealed record AppError(string Error, bool NotFound = false, bool Unavailable = false, bool Conflict = false, bool Locked = false)
    : IEngineMessage
{
    public static AppError JournalUnwritable(Exception cause) =>
        new($"the journal cannot be written: {cause.GetBaseException().Message}", Unavailable: true);
}

/// <summary>From an app actor about to stop (it could not be recovered, or a journal write failed): why, for its entity
/// (<see cref="AppEntityActor"/>) to answer with until the app is back.</summary>
[Manifest("app-unavailable.v1")]
public sealed record AppUnavailable(string App, string Reason) : IEngineMessage;

/// <summary>From an app actor that recovered: it answers again.</summary>
[Manifest("app-recovered.v1")]
public sealed record AppRecovered(string App) : IEngineMessage;

/// <summary>From a deployment whose hook succeeded: make it the routed version. Replies DeploymentPromoted.</summary>
[Manifest("promote-deployment.v1")]
public sealed record PromoteDeployment(string DeploymentId, int Version, IReadOnlyList<ContainerSpec> Containers,
    IReadOnlyList<ProcessType> Processes, string? Worker = null, string? WorkerHost = null, HealthCheck? Checks = null) : IEngineMessage;

[Manifest("deployment-promoted.v1")]
public sealed record DeploymentPromoted(string DeploymentId) : IEngineMessage;

/// <summary>From a deployment that reached a final status and cleaned up after itself.</summary>
[Manifest("deployment-finished.v1")]
public sealed record DeploymentFinished(string DeploymentId, string Status, DateTimeOffset FinishedAt, string? Error = null) : IEngineMessage;

/// <summary>From a finished deployment that has been idle a while: stop me. The app stops it after what it already
/// sent it, and keeps what comes for it meanwhile for its next incarnation.</summary>
[Manifest("passivate-deployment.v1")]
public sealed record PassivateDeployment(string DeploymentId) : IEngineMessage;

/// <summary>How often the engine restarted one container slot of a deployment, and the exit code it last found.</summary>
public sealed record SlotRevivals(int Count, long? LastExitCode);

/// <summary>`engine rollback APP`: a new deployment of <paramref name="ToVersion"/>'s image and Procfile (null: the
/// release before the routed one), with its env unless <paramref name="CurrentEnv"/>. -> DeploymentView | AppError</summary>
[Manifest("rollback-app.v1")]
public sealed record RollbackApp(string App, int? ToVersion, bool SkipHook, bool CurrentEnv, string? By = null) : IAppMessage;

/// <summary>The app's own answer to a rollback once it knows which workers hold the images.</summary>
[Manifest("rollback-checked.v1")]
public sealed record RollbackChecked(RollbackApp Request, ImagesListed Images) : IEngineMessage;

/// <summary>`engine releases APP`. -> ReleaseList</summary>
[Manifest("get-releases.v1")]
public sealed record GetReleases(string App) : IAppMessage;

/// <summary>One successful release. <paramref name="ImageId"/> and <paramref name="Workers"/>: where its image is now
/// (none once pruned from every worker); <paramref name="RollbackOf"/>: the version it rolled back to.</summary>
public sealed record ReleaseView(string Version, string Deployment, string Image, string? ImageId, DateTimeOffset At,
    string? By, string? Postdeploy, bool ImagePresent, IReadOnlyList<string> Workers, bool Routed, string? RollbackOf);

/// <summary>Newest first; <paramref name="Error"/>: workers that could not be asked for their images.</summary>
[Manifest("release-list.v1")]
public sealed record ReleaseList(List<ReleaseView> Releases, string? Error = null) : IEngineMessage, IListReply
{
    object IListReply.Items => Releases;
}
