using Akka.Actor;
using Akka.Event;
using Engine.Containers;
using Engine.Deployments;
using Engine.Workers;
using Engine.Protocol;

namespace Engine.Apps;

/// <summary>Adds containers to the routed release: places those the formation asks for beyond <c>keep</c> (see
/// <see cref="PlacementActor"/>), starts them on their workers and waits until they are up (web ones accept TCP on
/// $PORT), so that they join the route only then. Replies ContainersAdded, or ScaleFailed after removing any it
/// started. No hook runs.</summary>
public sealed class ScaleActor : ReceiveActor
{
    private readonly RoutedRelease _routed;
    private readonly DeploymentSettings _settings;
    private readonly IWorkers _workers;
    private readonly WorkerChildren _children;
    private readonly IActorRef _parent;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private IReadOnlyList<ContainerSpec> _adding = [];
    private int _pending;
    private bool _failed;

    public static Props Props(RoutedRelease routed, IReadOnlyList<(string Type, int Count)> formation, IReadOnlyList<ContainerSpec> keep,
        DeploymentSettings settings, IWorkers workers) =>
        Akka.Actor.Props.Create(() => new ScaleActor(routed, formation, keep, settings, workers));

    public ScaleActor(RoutedRelease routed, IReadOnlyList<(string Type, int Count)> formation, IReadOnlyList<ContainerSpec> keep,
        DeploymentSettings settings, IWorkers workers)
    {
        _routed = routed;
        _settings = settings;
        _workers = workers;
        _children = new WorkerChildren(workers);
        _parent = Context.Parent;

        Receive<ContainersPlaced>(Start);
        Receive<PlacementFailed>(f => Fail(f.Error));
        Receive<WorkerLost>(l => Fail($"worker {l.Worker} left the cluster while the containers were placed"));
        Receive<ContainersUp>(_ =>
        {
            if (--_pending == 0)
            {
                _parent.Tell(new ContainersAdded(_adding));
                Context.Stop(Self);
            }
        });
        Receive<ContainersFailed>(f => Fail(f.Error));
        Receive<Terminated>(t => { if (t.AddressTerminated) Fail($"worker {t.ActorRef.Path.Address} left the cluster"); });
        Receive<ReceiveTimeout>(_ => Fail($"the containers were not up within {_settings.DeploymentTimeout.TotalSeconds:0} s"));
        Receive<ContainersRemoved>(_ => { });
        Receive<DeploymentLogLine>(l => _log.Info("{0} scale: {1}", routed.DeploymentId, l.Text));
        Context.SetReceiveTimeout(settings.DeploymentTimeout);

        if (routed.Containers.FirstOrDefault() is not { } template)
        {
            Fail("the release runs no container to copy its settings from: deploy it again");
            return;
        }
        var holders = routed.Containers.Select(routed.WorkerOf).Prepend(routed.Worker).OfType<string>().Distinct().ToList();
        Context.ActorOf(workers.Placement(new PlacementActor.Request(template.App, template.Image, formation, holders,
            settings.Registry, settings.DeploymentTimeout, CountOwn: true,
            keep.Select(k => (k.Type, k.Index, routed.WorkerOf(k) ?? "")).ToList())), "placement");
    }

    private void Start(ContainersPlaced pushed)
    {
        var template = _routed.Containers[0];
        _adding = pushed.Placed.Select(p => template.Sibling(p.Type, p.Index,
            _routed.Types.FirstOrDefault(t => t.Name == p.Type)?.Command, p.Port) with
        {
            Worker = p.Worker.Length > 0 ? p.Worker : null,
            WorkerHost = p.Worker.Length > 0 ? p.WorkerHost : null,
        }).ToList();
        var groups = _adding.GroupBy(c => c.Worker).ToList();
        _pending = groups.Count;
        foreach (var group in groups)
        {
            if (group.Key is { } name && _workers.Find(Context.System, name) is null)
            {
                Fail($"worker {name} left the cluster before its containers started");
                return;
            }
            Supervisor(group.Key).Tell(new StartContainers(group.ToList(), _settings.StartTimeout, StabilityWindow: _settings.StabilityWindow));
        }
        if (_pending == 0)
        {
            _parent.Tell(new ContainersAdded([]));
            Context.Stop(Self);
        }
    }

    private IActorRef Supervisor(string? worker, string role = "containers") => _children.Get(Context, role,
        _workers.Find(Context.System, worker), () => ContainerOperationsActor.Props(_settings.RemovalRetry));

    /// <summary>Stops the starts, then removes what they started (each worker's containers of the release that the route
    /// does not hold) before it stops itself.</summary>
    private void Fail(string error)
    {
        if (_failed) return;
        _failed = true;
        _parent.Tell(new ScaleFailed(error));
        foreach (var child in Context.GetChildren()) Context.Stop(child);
        var workers = _adding.Select(c => c.Worker).Distinct().Where(w => w is null || _workers.Find(Context.System, w) is not null).ToList();
        _pending = workers.Count;
        Become(() =>
        {
            Receive<ContainersRemoved>(_ => { if (--_pending == 0) Context.Stop(Self); });
            Receive<Terminated>(t => { if (t.AddressTerminated && --_pending == 0) Context.Stop(Self); });
            ReceiveAny(_ => { });
        });
        foreach (var worker in workers)
            Supervisor(worker, "cleanup").Tell(RemoveContainers.OfDeploymentBut(_adding[0].App, _routed.DeploymentId,
                _routed.Containers.Select(c => c.Slot), TimeSpan.Zero));
        if (_pending == 0) Context.Stop(Self);
    }
}
