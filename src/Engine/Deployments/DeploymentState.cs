using System.Collections.Immutable;
using Akka.Actor;
using Engine.Cluster;
using Engine.Protocol;
using ClusterSettings = Engine.Cluster.ClusterSettings;
using S = Engine.Protocol.DeploymentStatus;

namespace Engine.Deployments;

/// <summary>The deployment state machine: pure decisions from commands to events, and pure application of events.</summary>
public sealed record DeploymentState
{
    public string Id { get; init; } = "";
    public string App { get; init; } = "";
    public int Version { get; init; }
    public string Status { get; init; } = "";
    public string ArchivePath { get; init; } = "";
    public string? ArchiveNode { get; init; }
    public ImmutableDictionary<string, string> Env { get; init; } = ImmutableDictionary<string, string>.Empty;
    public string? Image { get; init; }
    /// <summary>The worker node's address, and where routers reach its containers.</summary>
    public string? Worker { get; init; }
    public string? WorkerHost { get; init; }
    public IReadOnlyList<ProcessType> Processes { get; init; } = [];
    public IReadOnlyList<ContainerSpec> Containers { get; init; } = [];
    /// <summary>Containers per process type, as the app's formation was when the build started (a type not in it runs one).</summary>
    public IReadOnlyDictionary<string, int>? Formation { get; init; }
    /// <summary>The app's HTTP checks its web containers must pass to be up (null: accepting TCP is enough).</summary>
    public HealthCheck? Checks { get; init; }
    public bool Routed { get; init; }
    /// <summary>Set for a rollback: the release whose image it runs instead of building one.</summary>
    public ReleaseReused? Reuse { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    public string? Error { get; init; }
    /// <summary>A failure already decided, journaled only once the new containers are gone (a final status means nothing
    /// of the failed version is left). Not journaled itself: a restart meanwhile aborts the deployment anyway.</summary>
    public DeploymentFailed? Failing { get; init; }

    public bool Exists => Id.Length > 0;
    public bool IsTerminal => S.IsTerminal(Status);
    public string VersionLabel => $"v{Version}";
    public string? HookCommand => Reuse is { SkipHook: true } ? null : Processes.FirstOrDefault(p => p.Name == Procfile.PostDeploy)?.Command;
    public IEnumerable<ContainerSpec> WebContainers => Containers.Where(c => c.Type == Procfile.Web);

    public DeploymentView View => new(Id, App, VersionLabel, Status, CreatedAt, FinishedAt, Error);

    public IReadOnlyList<IDeploymentEvent> Decide(IDeploymentCommand command, DateTimeOffset now)
    {
        DeploymentFailed Fail(string status, string error) => new(App, Id, status, error, now);
        // Plain dictionaries: the journal's serializer cannot rebuild other kinds.
        IDeploymentEvent AfterStart(ContainersUp up)
        {
            var ids = new Dictionary<string, string>(up.Ids ?? new Dictionary<string, string>());
            return HookCommand is { } hook ? new HookStarted(App, Id, hook, now, ids) : new SwitchStarted(App, Id, now, ids);
        }

        return (Status, command) switch
        {
            (S.Queued, StartDeployment s) =>
            [
                new BuildStarted(App, Id, now, s.Worker, s.Formation is null ? null : new Dictionary<string, int>(s.Formation)),
                .. s.Checks is { } checks ? [new ChecksPlanned(App, Id, checks, now)] : Array.Empty<IDeploymentEvent>(),
            ],
            (S.Queued, NoWorkerUp) => [Fail(S.BuildError, NoWorkerUp.Error)],
            (S.Queued, NoRegistry n) => [Fail(S.PlacementError, NoRegistry.Error(n.Workers))],
            (S.Building, BuildSucceeded b) => [new ImageBuilt(App, Id, b.Image, b.Processes.ToList(), now, b.WorkerHost, b.ImageId)],
            (S.Building, BuildFailed f) => [Fail(S.BuildError, f.Error)],
            (S.Pushing, ContainersPlaced p) => [new ContainersStarting(App, Id, PlanContainers(p.Placed), now)],
            (S.Pushing, PlacementFailed f) => [Fail(f.Status, f.Error)],
            (S.Starting, ContainersUp up) => [AfterStart(up)],
            (S.Starting, ContainersFailed f) => [Fail(f.Status, f.Error)],
            (S.RunningHook, HookSucceeded) => [new SwitchStarted(App, Id, now, HookExitCode: 0)],
            (S.RunningHook, HookFailed f) => [Fail(S.HookError, f.Error)],
            (S.RunningHook, HookLost l) => [Fail(S.Aborted, l.Error)],
            (S.Building or S.Pushing or S.Starting or S.RunningHook, WorkerLost w) =>
                [Fail(S.Aborted, $"its worker {w.Worker} left the cluster while the deployment was {Status}")],
            (S.Switching, RouteSwitched r) when !Routed && r.DeploymentId == Id => [new TrafficSwitched(App, Id, now)],
            (S.Switching, ContainersRemoved { Confirmed: true }) when Routed => [new DeploymentSucceeded(App, Id, now)],
            // Once the hook succeeded the switch is committed: it finishes rather than times out or aborts.
            (S.Queued or S.Building or S.Pushing or S.Starting or S.RunningHook, CancelRequested c) =>
                [Fail(S.Aborted, $"canceled by {c.By} while {Status}") with { By = c.By }],
            (S.Building or S.Pushing or S.Starting or S.RunningHook, DeploymentTimedOut) =>
                [Fail(S.TimeoutError, "the deployment did not finish within its time limit")],
            // A hook is re-attached instead (see AfterRecovery): its work may already be done.
            (S.Building or S.Pushing or S.Starting, RecoveredInFlight) =>
                [Fail(S.Aborted, $"the node that ran it stopped (a restart or a failover) while the deployment was {Status}")],
            _ => [],
        };
    }

    /// <summary>A failure decided past the queue is journaled only after the release's containers are removed
    /// (<see cref="Failing"/>); one before the build started (no worker up) has nothing to remove.</summary>
    public DeploymentFailed? CleansUpBefore(IReadOnlyList<IDeploymentEvent> events) =>
        events is [DeploymentFailed failed] && Status != S.Queued ? failed : null;

    public DeploymentState BeginFailure(DeploymentFailed failed) => this with { Failing = failed };

    /// <summary>The failure to journal once the removal answered: its error says what is left behind rather than claim a
    /// clean end.</summary>
    public DeploymentFailed FailureAfter(ContainersRemoved removed) =>
        removed.Confirmed ? Failing! : Failing! with { Error = $"{Failing!.Error}; {removed.Problem}" };

    /// <summary>Null when a cancel may go ahead now; else why not.</summary>
    public string? RefuseCancelNow(CancelRequested cancel, DateTimeOffset now) =>
        Failing is { } failing ? $"deployment {Id} is already ending as {failing.Status}"
        : Decide(cancel, now).Count == 0 ? RefuseCancel
        : null;

    /// <summary>Where a queued deployment goes when its turn comes, given the up workers (this node first when it is
    /// one): to the first (<see cref="Preferring"/>); more than one cannot share its image without a registry; none: null, it waits.</summary>
    public IDeploymentCommand? StartOn(StartDeployment start, IReadOnlyList<UpWorker> up, bool hasRegistry) =>
        Preferring(up) is var ordered && ordered.Count > 1 && !hasRegistry ? new NoRegistry(ordered.Count)
        : ordered.Count > 0 ? start with { Worker = ordered[0].Address.ToString() }
        : null;

    /// <summary>The up workers, those that hold a rollback's image first: its `building` step finds the image there.</summary>
    public IReadOnlyList<UpWorker> Preferring(IReadOnlyList<UpWorker> up) => Reuse is { } reuse
        ? up.OrderBy(w => reuse.Holders.Contains(w.Name) || reuse.Holders.Contains(w.Address.ToString()) ? 0 : 1).ToList()
        : up;

    /// <summary>The workers that hold the image once it is built: the deployment's own, and a rollback's holders.</summary>
    public IReadOnlyList<string> ImageHolders() => [Worker ?? "", .. Reuse?.Holders ?? []];

    /// <summary>Where its children go after a restart or the loss of its worker: the journaled worker while it is up (the
    /// containers are there), else the first up one; null when none is.</summary>
    public UpWorker? WorkerAmong(IReadOnlyList<UpWorker> up, string? preferred) =>
        up.FirstOrDefault(w => preferred is not null && (w.Name == preferred || w.Address.ToString() == preferred)) ?? up.FirstOrDefault();

    /// <summary>What the log says when its journaled worker is gone and its children go to <paramref name="chosen"/>.</summary>
    public string? WorkerGone(Address? chosen) => Worker is not null && chosen?.ToString() != Worker
        ? $"its worker {Worker} is gone; going on with {chosen?.ToString() ?? "no worker"}"
        : null;

    /// <summary>Whether the node at <paramref name="lost"/> leaving ends the deployment: before its end, the worker its
    /// children run on, or one the release's containers started on (or any while it has none). A worker only asked to
    /// remove old containers is no loss to it; a failure under way already ends it.</summary>
    public bool LostWith(string lost, string? worker, bool placed) =>
        !IsTerminal && Failing is null && (lost == worker || Containers.Count == 0 || placed);

    /// <summary>Why a cancel is refused now: once the hook succeeded the switch is committed and runs to its end.</summary>
    public string RefuseCancel => Status switch
    {
        S.Switching => $"deployment {Id} cannot be canceled: its hook succeeded and its traffic switch is committed",
        _ => $"deployment {Id} cannot be canceled: it already ended as {Status}",
    };

    /// <summary>What a deployment found mid-flight at recovery does: the switch is committed and runs again; a hook's
    /// container is looked for and re-attached; building, pushing and starting cannot be resumed and abort.</summary>
    public RecoveryStep AfterRecovery => Status switch
    {
        S.Switching => RecoveryStep.ResumeSwitch,
        S.RunningHook => RecoveryStep.AttachHook,
        S.Building or S.Pushing or S.Starting => RecoveryStep.Abort,
        _ => RecoveryStep.None,
    };

    /// <summary>The app's answer to this deployment's promote may publish its route only while it still switches: the
    /// watchdog asks twice by design, and a late answer must not bring an old route back.</summary>
    public bool MayPublishRoute(DeploymentPromoted promoted) => Status == S.Switching && promoted.DeploymentId == Id;

    /// <summary>The route to publish on the app's answer to its promote, on the hosts routers reach its web containers at
    /// (<paramref name="advertiseHost"/> for those placed with no worker named); null for a late answer.</summary>
    public SwitchRoute? RouteOnPromote(DeploymentPromoted promoted, string advertiseHost, IActorRef replyTo) => MayPublishRoute(promoted)
        ? new SwitchRoute(App, Id, VersionLabel, WebContainers
            .Select(c => ClusterSettings.WebEndpoint(c.WorkerHost ?? WorkerHost ?? advertiseHost, c.Port!.Value)).ToList(), replyTo)
        : null;

    /// <summary>Told to the app once the deployment is over (so it has its finishing time).</summary>
    public DeploymentFinished Finished => new(Id, Status, FinishedAt ?? throw new InvalidOperationException($"{Id} has not finished"), Error);

    /// <summary>The old version drained: its containers may go only while this deployment switches and holds the route,
    /// since the removal takes every container of the app but this deployment's own.</summary>
    public bool MayRemoveOthers(RouteDrained drained) =>
        Status == S.Switching && Routed && drained.DeploymentId == Id && drained.App == App;

    /// <summary>One spec per placed container, on its worker (an empty worker: the deployment's own, in tests).</summary>
    private IReadOnlyList<ContainerSpec> PlanContainers(IReadOnlyList<PlacedContainer> placed)
    {
        var image = Image ?? throw new InvalidOperationException("no image yet");
        return placed.Select(p => ContainerSpec.For(App, Id, VersionLabel, image, p.Type, p.Index,
                Processes.First(t => t.Name == p.Type).Command, Env, p.Port) with
            {
                Worker = p.Worker.Length > 0 ? p.Worker : null,
                WorkerHost = p.Worker.Length > 0 ? p.WorkerHost : null,
            }).ToList();
    }

    /// <summary>The release's long-running process types (the Procfile's order) and how many containers of each.</summary>
    public IReadOnlyList<(string Type, int Count)> PlannedFormation => Processes.Where(p => p.Name != Procfile.PostDeploy)
        .Select(p => (p.Name, Formation?.GetValueOrDefault(p.Name, 1) ?? 1)).ToList();

    public ContainerSpec HookSpec() => ContainerSpec.For(App, Id, VersionLabel,
        Image ?? throw new InvalidOperationException("no image yet"), Procfile.PostDeploy, 1, HookCommand, Env, null);

    public DeploymentState Apply(IDeploymentEvent e) => e switch
    {
        DeploymentCreated c => this with
        {
            Id = c.DeploymentId, App = c.App, Version = c.Version, ArchivePath = c.ArchivePath, ArchiveNode = c.ArchiveNode,
            Env = c.Env.ToImmutableDictionary(), Status = S.Queued, CreatedAt = c.At,
        },
        ReleaseReused r => this with { Reuse = r },
        BuildStarted b => this with { Status = S.Building, Worker = b.Worker, Formation = b.Formation },
        ChecksPlanned c => this with { Checks = c.Checks },
        ImageBuilt b => this with { Status = S.Pushing, Image = b.Image, Processes = b.Processes, WorkerHost = b.WorkerHost },
        ContainersStarting s => this with { Status = S.Starting, Containers = s.Containers },
        HookStarted => this with { Status = S.RunningHook },
        SwitchStarted => this with { Status = S.Switching },
        TrafficSwitched => this with { Routed = true },
        DeploymentSucceeded s => this with { Status = S.Success, FinishedAt = s.At },
        DeploymentFailed f => this with { Status = f.Status, Error = f.Error, FinishedAt = f.At, Failing = null },
        _ => this,
    };

    /// <summary>The log's line for an event a deployment opens with.</summary>
    public static string Opened(IDeploymentEvent e) => e is ReleaseReused r
        ? $"-----> a rollback to v{r.RollbackOf}: its image {r.Image} and Procfile, no build{(r.SkipHook ? ", no postdeploy hook" : "")}"
        : $"-----> v{(e as DeploymentCreated)?.Version} queued";

    /// <summary>The status an event sets, for the audit; null when it sets none.</summary>
    public static string? StatusSetBy(IDeploymentEvent e) =>
        new DeploymentState().Apply(e).Status is { Length: > 0 } status ? status : null;
}

public enum RecoveryStep
{
    None,
    ResumeSwitch,
    AttachHook,
    Abort,
}
