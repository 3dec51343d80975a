using Akka.Actor;
using Akka.Event;
using Engine.Cluster;
using Engine.Deployments;
using Engine.Workers;
using Engine.Protocol;

namespace Engine.Apps;

/// <summary>An app's deployments as its children (<see cref="EntityChildren"/>), named by
/// <see cref="DeploymentActor.NameFor"/>: made (or recovered from the journal) on first use, passivated once ended, and
/// revived once when one stops unexpectedly.</summary>
public sealed class DeploymentChildren
{
    private readonly Func<AppState> _state;
    private readonly ILoggingAdapter _log;
    private readonly EntityChildren _children;
    private readonly HashSet<string> _revived = [];

    public DeploymentChildren(Func<AppState> state, DeploymentSettings settings, IWorkers workers, IActorRef router, ILoggingAdapter log)
    {
        (_state, _log) = (state, log);
        _children = new EntityChildren(name =>
        {
            var d = _state().Find(name[DeploymentActor.NameFor("").Length..]) ?? throw new InvalidOperationException($"unknown deployment {name}");
            return DeploymentActor.Props(new DeploymentCreated(_state().Name, d.Id, d.Version, d.ArchivePath, new Dictionary<string, string>(d.Env),
                d.QueuedAt, d.ArchiveNode, d.By), settings, workers, router, d.Rollback is { } r
                ? new ReleaseReused(r.App, r.DeploymentId, r.RollbackOf, r.SourceDeploymentId, r.Image, r.Processes, r.Holders, r.SkipHook, r.At)
                : null);
        });
    }

    public IActorRef Get(IActorContext context, string id) => _children.Get(context, DeploymentActor.NameFor(id));

    /// <summary>To a deployment's actor, recovering it when needed; held back while it is being passivated.</summary>
    public void Send(IActorContext context, string id, object message, IActorRef sender) =>
        _children.Send(context, DeploymentActor.NameFor(id), message, sender);

    /// <summary>A finished deployment asked to go.</summary>
    public void Passivate(IActorContext context, IActorRef asking) => _children.Passivate(context, asking, PoisonPill.Instance);

    /// <summary>The pending deployment whose actor stopped unexpectedly; null for one passivated or not pending.</summary>
    public DeploymentRef? Stopped(IActorContext context, string childName) => _children.Stopped(context, childName)
        ? null
        : _state().Pending.FirstOrDefault(d => DeploymentActor.NameFor(d.Id) == childName);

    /// <summary>Recovers a deployment that stopped unexpectedly, the first time; false (not recovered: the app records it
    /// as aborted) the next.</summary>
    public bool Revive(IActorContext context, string id)
    {
        if (!_revived.Add(id))
        {
            _log.Error("{0}: deployment {1} stopped again; recorded as aborted", _state().Name, id);
            return false;
        }
        _log.Warning("{0}: deployment {1} stopped unexpectedly; recovering it", _state().Name, id);
        Get(context, id);
        return true;
    }
}
