using Akka.Actor;
using Akka.Event;
using Engine.Containers;
using Engine.Deployments;
using Engine.Workers;
using Engine.Protocol;

namespace Engine.Apps;

/// <summary>`engine apps restart`: the routed release's containers one at a time, each replaced by a fresh one from the
/// same spec (same worker, same $PORT). A web one leaves the route first and stops once no request is in flight to it
/// (RouteDrained), then joins the route again once it accepts connections: with more than one web container the app
/// keeps serving throughout.</summary>
public sealed class RollingRestartActor : ReceiveActor
{
    private readonly Queue<(ContainerSpec Spec, string? Endpoint)> _left;
    private readonly List<ContainerSpec> _done = [];
    private readonly IReadOnlyList<ContainerSpec> _all;
    private readonly IActorRef _router;
    private readonly DeploymentSettings _settings;
    private readonly IWorkers _workers;
    private readonly WorkerChildren _children;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private (ContainerSpec Spec, string? Endpoint) _current;

    public static Props Props(IReadOnlyList<(ContainerSpec Spec, string? Endpoint)> containers, IActorRef router, DeploymentSettings settings,
        IWorkers workers) => Akka.Actor.Props.Create(() => new RollingRestartActor(containers, router, settings, workers));

    public RollingRestartActor(IReadOnlyList<(ContainerSpec Spec, string? Endpoint)> containers, IActorRef router, DeploymentSettings settings,
        IWorkers workers)
    {
        _left = new Queue<(ContainerSpec, string?)>(containers);
        _all = containers.Select(c => c.Spec).ToList();
        _router = router;
        _settings = settings;
        _workers = workers;
        _children = new WorkerChildren(workers);

        Receive<RouteSwitched>(_ => { });
        // No request is in flight to it any more: it may stop.
        Receive<RouteDrained>(_ => Remove());
        Receive<ContainersRemoved>(r =>
        {
            if (!r.Confirmed) Fail(r.Problem);
            else Supervisor().Tell(new StartContainers([_current.Spec], _settings.StartTimeout, StabilityWindow: _settings.StabilityWindow));
        });
        Receive<ContainersUp>(_ =>
        {
            if (_current.Endpoint is { } endpoint) _router.Tell(new EndpointUp(_current.Spec.App, _current.Spec.DeploymentId, endpoint));
            _done.Add(_current.Spec);
            Next();
        });
        Receive<ContainersFailed>(f => Fail($"{_current.Spec.Slot} did not come back: {f.Error}"));
        Receive<Terminated>(t => { if (t.AddressTerminated) Fail($"worker {t.ActorRef.Path.Address} left the cluster"); });
        Receive<ReceiveTimeout>(_ => Fail($"{_current.Spec.Slot} was not back within {_settings.DeploymentTimeout.TotalSeconds:0} s"));
        Receive<DeploymentLogLine>(l => _log.Info("{0} restart: {1}", _current.Spec.App, l.Text));
        Context.SetReceiveTimeout(settings.DeploymentTimeout);
        Next();
    }

    private void Next()
    {
        if (!_left.TryDequeue(out _current))
        {
            Context.Parent.Tell(new ContainersRestarted(_done, null));
            Context.Stop(Self);
            return;
        }
        var spec = _current.Spec;
        if (spec.Worker is { } name && _workers.Find(Context.System, name) is null)
        {
            Fail($"worker {name} of {spec.Slot} is not up");
            return;
        }
        Context.Parent.Tell(new RestartingSlot(spec.Slot));
        if (_current.Endpoint is { } endpoint) _router.Tell(new EndpointDown(spec.App, spec.DeploymentId, endpoint, Self));
        else Remove();
    }

    private void Remove()
    {
        var spec = _current.Spec;
        Supervisor().Tell(RemoveContainers.OfDeploymentBut(spec.App, spec.DeploymentId,
            _all.Where(c => c.Slot != spec.Slot).Select(c => c.Slot), _settings.StopGrace));
    }

    private IActorRef Supervisor() => _children.Get(Context, "containers", _workers.Find(Context.System, _current.Spec.Worker),
        () => ContainerOperationsActor.Props(_settings.RemovalRetry));

    private void Fail(string error)
    {
        Context.Parent.Tell(new ContainersRestarted(_done, error));
        Context.Stop(Self);
    }
}
