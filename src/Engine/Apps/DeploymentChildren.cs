using Akka.Actor;
using Akka.Event;
using Engine.Deployments;
using Engine.Hosting;
using Engine.Workers;

namespace Engine.Apps;

/// <summary>An app's deployments as its children, named by <see cref="DeploymentActor.NameFor"/>: made (or recovered
/// from the journal) on first use, passivated once ended (what comes for one meanwhile goes to its next incarnation),
/// and revived once when one stops unexpectedly.</summary>
public sealed class DeploymentChildren(Func<AppState> state, EngineSettings settings, IWorkers workers, IActorRef router,
    ILoggingAdapter log)
{
    /// <summary>Finished deployments being passivated (by actor name), with what came for them meanwhile.</summary>
    private readonly Dictionary<string, List<(object Message, IActorRef Sender)>> _passivating = [];
    private readonly HashSet<string> _revived = [];

    public IActorRef Get(IActorContext context, string id)
    {
        var name = DeploymentActor.NameFor(id);
        if (context.Child(name) is { } child && !child.IsNobody()) return child;
        var d = state().Find(id) ?? throw new InvalidOperationException($"unknown deployment {id}");
        var init = new DeploymentCreated(state().Name, d.Id, d.Version, d.ArchivePath, new Dictionary<string, string>(d.Env), d.QueuedAt,
            d.ArchiveNode, d.By);
        return context.Watch(context.ActorOf(DeploymentActor.Props(init, settings, workers, router), name));
    }

    /// <summary>To a deployment's actor, recovering it when needed; held back while it is being passivated.</summary>
    public void Send(IActorContext context, string id, object message, IActorRef sender)
    {
        if (_passivating.TryGetValue(DeploymentActor.NameFor(id), out var meanwhile)) meanwhile.Add((message, sender));
        else Get(context, id).Tell(message, sender);
    }

    /// <summary>A finished deployment asked to go: a message, not a system stop, so whatever the app sent it before is
    /// handled first.</summary>
    public void Passivate(IActorContext context, string id, IActorRef asking)
    {
        var name = DeploymentActor.NameFor(id);
        if (_passivating.ContainsKey(name) || context.Child(name) is not { } child || child.IsNobody() || !child.Equals(asking)) return;
        _passivating[name] = [];
        child.Tell(PoisonPill.Instance);
    }

    /// <summary>The pending deployment whose actor stopped unexpectedly; null for one passivated (what came for it
    /// meanwhile goes to its next incarnation, recovered from the journal) or not pending.</summary>
    public DeploymentRef? Stopped(IActorContext context, string childName)
    {
        if (!_passivating.Remove(childName, out var meanwhile))
            return state().Pending.FirstOrDefault(d => DeploymentActor.NameFor(d.Id) == childName);
        foreach (var (message, sender) in meanwhile) Get(context, childName[DeploymentActor.NameFor("").Length..]).Tell(message, sender);
        return null;
    }

    /// <summary>Recovers a deployment that stopped unexpectedly, the first time; false (not recovered: the app records it
    /// as aborted) the next.</summary>
    public bool Revive(IActorContext context, string id)
    {
        if (!_revived.Add(id))
        {
            log.Error("{0}: deployment {1} stopped again; recorded as aborted", state().Name, id);
            return false;
        }
        log.Warning("{0}: deployment {1} stopped unexpectedly; recovering it", state().Name, id);
        Get(context, id);
        return true;
    }
}
