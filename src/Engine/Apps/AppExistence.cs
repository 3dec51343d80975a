using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.Event;
using Akka.Persistence;
using Engine.Protocol;

namespace Engine.Apps;

/// <summary>An app entity's existence, from its own journal: an app exists once its stream holds an event (its
/// <see cref="AppRegistered"/>, or, for apps registered by the registry that came before, their first change). A
/// message for an app that does not exist is answered "not found" and the entity passivates, so sharding does not
/// remember it; a create registers the app in its own stream first. Its parent (<see cref="AppEntityActor"/>) hears
/// when the app is recovered, and why it stops when the journal fails it.</summary>
public abstract class AppExistence : SnapshottingPersistentActor
{
    protected abstract string App { get; }

    /// <summary>Whether the app ever had a deployment.</summary>
    protected abstract bool Deployed { get; }

    /// <summary>Whether anything was journaled for the app.</summary>
    protected bool Exists => LastSequenceNr > 0;

    private bool _passivating;

    /// <summary>Once the app exists: recovered with events, or just registered.</summary>
    protected abstract void OnExisting();

    protected AppExistence(TimeSpan idle, int snapshotEvery) : base(snapshotEvery)
    {
        Recover<RecoveryCompleted>(_ =>
        {
            Context.Parent.Tell(new AppRecovered(App));
            // An app that never deployed stops after a while without a message (see the ReceiveTimeout handler).
            SetReceiveTimeout(idle);
            if (Exists) OnExisting();
        });
        // A sharded app that never had a deployment stops when idle: sharding then forgets it, so a restart does not
        // recover it (it starts again on demand).
        Command<ReceiveTimeout>(_ =>
        {
            SetReceiveTimeout(null);
            if (Deployed) return;
            Context.GetLogger().Info("{0} is idle (never deployed): stopped until asked", App);
            Passivate();
        });
        // Its entity's stop (a passivation): after what came before it, which was forwarded if it came too late.
        Command<AppEntityActor.Stop>(_ => Context.Stop(Self));
        // Asked to stop (below): a create that came meanwhile must not start here and die with it; its parent sends it on
        // to the shard, which keeps it for the entity's next start.
        Command<IAppMessage>(_ => _passivating, m => Context.Parent.Forward(m));
        // Before the app's own handlers: they see only an app that exists.
        Command<IAppMessage>(_ => !Exists, m =>
        {
            if (m is ICreatesApp)
                PersistFor(Sender, new AppRegistered(App, DateTimeOffset.UtcNow, Idle: m is not CreateDeployment), _ =>
                {
                    OnExisting();
                    Self.Forward(m);
                });
            else
            {
                Sender.Tell(new AppError($"app '{App}' not found", NotFound: true));
                Passivate(); // nothing to remember
            }
        });
    }

    /// <summary>Asks the shard to stop the entity; every app message from now on goes back through the shard.</summary>
    protected void Passivate()
    {
        _passivating = true;
        Context.Parent.Tell(new Passivate(AppEntityActor.Stop.Instance));
    }

    /// <summary>Akka stops the actor after this; its parent answers for it meanwhile and brings it back after a while.
    /// Routes stay up.</summary>
    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr)
    {
        Context.Parent.Tell(new AppUnavailable(App, $"app '{App}' stopped (a journal write failed)"));
        base.OnPersistFailure(cause, @event, sequenceNr);
    }

    /// <summary>An unreadable entry: this app cannot run, every other one must. Akka stops the actor after this.</summary>
    protected override void OnRecoveryFailure(Exception reason, object? message = null)
    {
        Context.Parent.Tell(new AppUnavailable(App,
            $"app '{App}' could not be recovered from the journal: {reason.GetBaseException().Message}"));
        base.OnRecoveryFailure(reason, message);
    }
}
