using Akka.Actor;
using Akka.Event;
using Akka.Persistence;
using Engine.Apps;
using Engine.Build;
using Engine.Containers;
using Engine.Hooks;
using Engine.Hosting;
using Engine.Routing;

namespace Engine.Deployments;

/// <summary>One deployment: an event-sourced state machine. It persists what happened, applies it, and talks to its
/// children (build, containers, hook), its app and the router. All decisions live in <see cref="DeploymentState"/>.</summary>
public sealed class DeploymentActor : ReceivePersistentActor
{
    private readonly DeploymentCreated _init;
    private readonly EngineSettings _settings;
    private readonly IContainerRuntime _runtime;
    private readonly IActorRef _router;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private DeploymentState _state = new();
    private ICancelable? _timeout;
    /// <summary>A failure already decided, journaled only once the new containers are gone: a final status means
    /// nothing of the failed version is left.</summary>
    private DeploymentFailed? _failing;

    public static Props Props(DeploymentCreated init, EngineSettings settings, IContainerRuntime runtime, IActorRef router) =>
        Akka.Actor.Props.Create(() => new DeploymentActor(init, settings, runtime, router));

    public static string NameFor(string deploymentId) => $"deployment-{deploymentId}";

    public override string PersistenceId => NameFor(_init.DeploymentId);

    public DeploymentActor(DeploymentCreated init, EngineSettings settings, IContainerRuntime runtime, IActorRef router)
    {
        _init = init;
        _settings = settings;
        _runtime = runtime;
        _router = router;

        Recover<IDeploymentEvent>(e => _state = _state.Apply(e));
        Recover<RecoveryCompleted>(_ => OnRecovered());

        Command<StartDeployment>(_ => _state.IsTerminal, _ => Sender.Tell(Finished));
        Command<ContainersRemoved>(_ => _failing is not null, CompleteFailure);
        Command<IDeploymentCommand>(_ => _failing is not null, c => _log.Debug("{0} ignores {1} while cleaning up", _state.Id, c.GetType().Name));
        Command<SwitchStalled>(_ => _state.Status == DeploymentStatus.Switching, _ =>
        {
            _log.Warning("{0}: the traffic switch is taking long; running its steps again", _state.Id);
            Enter(new SwitchStarted(_state.App, _state.Id, DateTimeOffset.UtcNow));
        });
        Command<RouteDrained>(_ => Supervisor.Tell(
            RemoveContainers.AllBut(_state.App, [_state.Id], _settings.StopGrace)));
        // Old containers Docker would not remove: no success yet; the switch watchdog runs the steps (removal too) again.
        Command<ContainersRemoved>(r => !r.Confirmed && _state.Status == DeploymentStatus.Switching,
            r => AppendLog($"old containers remain: {r.Problem}"));
        Command<IDeploymentCommand>(Handle);
        Command<DeploymentPromoted>(_ => _router.Tell(new SwitchRoute(_state.App, _state.Id, _state.VersionLabel,
            _state.WebContainers.Select(c => $"http://127.0.0.1:{c.Port}").ToList(), Self)));
        Command<DeploymentLogLine>(l => AppendLog(l.Text));
        Command<GetDeploymentView>(_ => Sender.Tell(_state.View));
    }

    private DeploymentFinished Finished => new(_state.Id, _state.Status);

    private IActorRef Supervisor => Child("containers", () => ContainerSupervisorActor.Props(_runtime, _settings.RemovalRetry));

    private IActorRef Child(string name, Func<Props> props) =>
        Context.Child(name) is { } existing && !existing.IsNobody() ? existing : Context.ActorOf(props(), name);

    private void OnRecovered()
    {
        if (!_state.Exists)
        {
            Persist<IDeploymentEvent>(_init, e => { _state = _state.Apply(e); AppendLog($"-----> {_state.VersionLabel} queued"); });
            return;
        }
        if (_state.Status == DeploymentStatus.Switching) Enter(new SwitchStarted(_state.App, _state.Id, DateTimeOffset.UtcNow));
        else if (!_state.IsTerminal && _state.Status != DeploymentStatus.Queued) Handle(RecoveredInFlight.Instance);
    }

    private void Handle(IDeploymentCommand command)
    {
        var events = _state.Decide(command, DateTimeOffset.UtcNow);
        if (events.Count == 0)
        {
            _log.Debug("{0} ignores {1} while {2}", _state.Id, command.GetType().Name, _state.Status);
            return;
        }
        if (events is [DeploymentFailed failed])
        {
            BeginFailure(failed);
            return;
        }
        PersistEvents(events);
    }

    private void PersistEvents(IEnumerable<IDeploymentEvent> events) =>
        PersistAll(events, e =>
        {
            _state = _state.Apply(e);
            if (DeploymentState.StatusSetBy(e) is { } status)
                AppendLog(e is DeploymentFailed f ? $"-----> {status}: {f.Error}" : $"-----> {status}");
            Enter(e);
        });

    private void BeginFailure(DeploymentFailed failed)
    {
        _failing = failed;
        _timeout?.Cancel();
        AppendLog($"{failed.Status}: {failed.Error}; removing the new containers");
        foreach (var child in Context.GetChildren()) Context.Stop(child);
        // A fresh child: the old supervisor may still be starting containers.
        Context.ActorOf(ContainerSupervisorActor.Props(_runtime, _settings.RemovalRetry), "cleanup")
            .Tell(RemoveContainers.Of(_state.App, _state.Id, TimeSpan.Zero));
    }

    private void CompleteFailure(ContainersRemoved removed)
    {
        Context.Stop(Sender);
        // The final status says what is left behind rather than claim a clean end.
        PersistEvents([removed.Confirmed ? _failing! : _failing! with { Error = $"{_failing!.Error}; {removed.Problem}" }]);
        _failing = null;
    }

    /// <summary>What the actor does on entering the state an event leads to.</summary>
    private void Enter(IDeploymentEvent e)
    {
        switch (e)
        {
            case BuildStarted:
                _timeout = Context.System.Scheduler.ScheduleTellOnceCancelable(_settings.DeploymentTimeout, Self,
                    DeploymentTimedOut.Instance, Self);
                Context.ActorOf(BuildActor.Props(_runtime, _state.ArchivePath,
                    ImageSpec.For(_settings.InstanceId, _state.App, _state.Id, _state.VersionLabel)), "build");
                break;
            case ImageBuilt:
                // One node: the image is already where the containers run, so distribution is a no-op.
                Self.Tell(new ImagePushed(FreePorts.Take(_state.WebScale)));
                break;
            case ContainersStarting:
                Supervisor.Tell(new StartContainers(_state.Containers, _settings.StartTimeout,
                    StabilityWindow: _settings.StabilityWindow));
                break;
            case HookStarted:
                Context.ActorOf(HookActor.Props(_runtime, _state.HookSpec(), _settings.HookTimeout), "hook");
                break;
            case SwitchStarted:
                // Past the hook the deployment cannot fail any more, so instead of a deadline it gets a watchdog.
                _timeout?.Cancel();
                _timeout = Context.System.Scheduler.ScheduleTellOnceCancelable(_settings.SwitchRetry, Self, SwitchStalled.Instance, Self);
                Context.Parent.Tell(new PromoteDeployment(_state.Id, _state.Version, _state.Containers));
                break;
            case DeploymentSucceeded or DeploymentFailed:
                _timeout?.Cancel();
                TryDelete(_state.ArchivePath);
                Context.Parent.Tell(Finished);
                break;
        }
    }

    private void AppendLog(string line)
    {
        try { File.AppendAllText(_settings.LogPath(_init.DeploymentId), line + "\n"); }
        catch (IOException e) { _log.Warning("cannot write the log of {0}: {1}", _init.DeploymentId, e.Message); }
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { }
    }

    protected override void PostStop() => _timeout?.Cancel();
}
