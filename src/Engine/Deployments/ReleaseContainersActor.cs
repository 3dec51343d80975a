using Akka.Actor;
using Engine.Containers;
using Engine.Workers;
using Engine.Protocol;

namespace Engine.Deployments;

/// <summary>To a deployment's release containers: start these, each on its worker (<paramref name="Fallback"/>, the
/// deployment's, for those without one), their web ones up once they pass <paramref name="Checks"/>. Its answer: one ContainersUp once every worker's are up, ContainersFailed, or
/// WorkerLost for a worker that is gone.</summary>
public sealed record StartRelease(IReadOnlyList<ContainerSpec> Containers, Address? Fallback, HealthCheck? Checks = null);

/// <summary>To it: remove these on every up worker, by its supervisors of that role; answered with ContainersRemoved,
/// every worker's as one.</summary>
public sealed record RemoveOnEveryWorker(string Role, RemoveContainers Remove);

/// <summary>To it: remove these on one worker; no answer wanted.</summary>
public sealed record RemoveOn(Address? Worker, RemoveContainers Remove);

/// <summary>From it: a worker it had a supervisor on left the cluster; <paramref name="Placed"/>: the release's
/// containers were started there.</summary>
public sealed record SupervisorLost(Address Worker, bool Placed);

/// <summary>A deployment's Docker containers, a child of the deployment: starts the release's on their workers (a
/// supervisor on each, watched) and gathers their answers into one, and removes containers on every worker.</summary>
public sealed class ReleaseContainersActor : ReceiveActor
{
    /// <summary>How long gathering every worker's answer may take before the missing ones count as lost.</summary>
    private static readonly TimeSpan FanOutLimit = TimeSpan.FromMinutes(2);
    private readonly DeploymentSettings _settings;
    private readonly IWorkers _workers;
    private readonly WorkerChildren _children;
    private readonly ContainerStarts _starts = new();
    /// <summary>The workers the release's containers were started on.</summary>
    private readonly HashSet<Address> _placedOn = [];
    private readonly IActorRef _deployment;

    public static Props Props(DeploymentSettings settings, IWorkers workers) =>
        Akka.Actor.Props.Create(() => new ReleaseContainersActor(settings, workers));

    public ReleaseContainersActor(DeploymentSettings settings, IWorkers workers)
    {
        (_settings, _workers, _children, _deployment) = (settings, workers, new WorkerChildren(workers), Context.Parent);
        Receive<StartRelease>(Start);
        Receive<ContainersUp>(_ => _starts.Waiting, up =>
        {
            if (_starts.Add(up) is { } all) _deployment.Tell(all);
        });
        Receive<RemoveOnEveryWorker>(r => Context.ActorOf(FanOutActor.Props(_workers.Addresses(Context.System)
            .Select(w => Supervisor(r.Role, w)).ToList(), r.Remove, ContainerLists.RemovedOnAll, _deployment, FanOutLimit)));
        // No reply wanted: a ContainersRemoved to the deployment means the old version's containers are gone.
        Receive<RemoveOn>(r => Supervisor("containers", r.Worker).Tell(r.Remove, ActorRefs.NoSender));
        Receive<Terminated>(t =>
        {
            if (t.AddressTerminated) _deployment.Tell(new SupervisorLost(t.ActorRef.Path.Address, _placedOn.Contains(t.ActorRef.Path.Address)));
        });
        // The rest (a late ContainersUp, ContainersFailed, log lines) is the deployment's.
        ReceiveAny(m => _deployment.Tell(m));
    }

    private IActorRef Supervisor(string role, Address? worker) =>
        _children.Get(Context, role, worker, () => ContainerOperationsActor.Props(_settings.RemovalRetry));

    private void Start(StartRelease start)
    {
        var groups = start.Containers.GroupBy(c => c.Worker).ToList();
        _starts.Expect(groups.Count);
        foreach (var group in groups)
        {
            var worker = _workers.Find(Context.System, group.Key);
            if (group.Key is not null && worker is null)
            {
                _deployment.Tell(new WorkerLost(group.Key));
                return;
            }
            if (worker is not null) _placedOn.Add(worker);
            Supervisor("containers", worker ?? start.Fallback)
                .Tell(new StartContainers(group.ToList(), _settings.StartTimeout, StabilityWindow: _settings.StabilityWindow, Checks: start.Checks));
        }
        if (groups.Count == 0) _deployment.Tell(new ContainersUp([]));
    }
}
