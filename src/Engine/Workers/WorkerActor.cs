using Akka.Actor;
using Engine.Cluster;
using Engine.Containers;
using Engine.Protocol;

namespace Engine.Workers;

/// <summary>A worker node's own answers for placement: its load and capacity, the $PORTs it hands out from its range, and
/// moving images through the registry. One per worker node, at <see cref="Name"/>.</summary>
public sealed class WorkerActor : ReceiveActor
{
    public const string Name = "worker";
    /// <summary>A port handed out is not handed out again for this long, even before its container exists (a pull or a
    /// slow start may come in between); once the container exists its label keeps it taken.</summary>
    private static readonly TimeSpan Held = TimeSpan.FromMinutes(10);
    private readonly IContainerRuntime _runtime;
    private readonly ClusterSettings _cluster;
    private readonly string _address;
    private readonly Dictionary<int, DateTime> _handedOut = [];
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>What waits for the listing of this worker's containers on its way (<see cref="WithContainers"/>).</summary>
    private readonly List<Action<IReadOnlyList<ContainerSummary>?, string?>> _awaitingList = [];

    /// <summary>This worker's containers as Docker listed them, or why it could not.</summary>
    private sealed record Listed(IReadOnlyList<ContainerSummary>? Containers, string? Error);

    public static Props Props(IContainerRuntime runtime, ClusterSettings cluster) =>
        Akka.Actor.Props.Create(() => new WorkerActor(runtime, cluster));

    public static ActorSelection At(IActorRefFactory factory, string address) => factory.ActorSelection($"{address}/user/{Name}");

    public WorkerActor(IContainerRuntime runtime, ClusterSettings cluster)
    {
        _runtime = runtime;
        _cluster = cluster;
        _address = ((ExtendedActorSystem)Context.System).Provider.DefaultAddress.ToString();
        Receive<DescribeWorker>(d =>
        {
            var replyTo = Sender;
            WithContainers((found, error) => replyTo.Tell(found is null
                ? new Status.Failure(new ContainerRuntimeException(error ?? "the listing failed"))
                : new WorkerInfo(_address, _cluster.WorkerName, _cluster.AdvertiseHost, _cluster.Capacity,
                    found.Count(c => c.App != d.ExceptApp && c.Type != Procfile.PostDeploy))));
        });
        Receive<ReservePorts>(r =>
        {
            var replyTo = Sender;
            WithContainers((found, error) => replyTo.Tell(found is null
                ? new PortsReserved([], $"worker {_cluster.WorkerName} could not list its containers: {error}")
                : Reserve(r.Count, found.Where(c => c.Port is not null).Select(c => c.Port!.Value).ToHashSet())));
        });
        Receive<Listed>(l =>
        {
            var waiting = _awaitingList.ToList();
            _awaitingList.Clear();
            foreach (var then in waiting) then(l.Containers, l.Error);
        });
        Receive<PushImage>(p => Distribute(_runtime.PushImageAsync(p.Local, p.Remote, Log(p.Log), _stopping.Token)));
        Receive<PullImage>(p => Distribute(_runtime.PullImageAsync(p.Remote, p.Local, Log(p.Log), _stopping.Token)));
    }

    /// <summary>A transfer's progress stream goes with the actor rather than being read for nobody.</summary>
    protected override void PostStop() => _stopping.Cancel();

    /// <summary>Runs <paramref name="then"/> in this actor with the worker's containers. Requests that arrive while a
    /// listing is on its way share it: many deployments placed at once cost Docker one listing, not one each (under
    /// load, fifty concurrent listings outlasted placement's ask). A listing a moment old is enough for both uses: the
    /// load is an estimate, and a port handed out stays held long after its container shows in any listing.</summary>
    private void WithContainers(Action<IReadOnlyList<ContainerSummary>?, string?> then)
    {
        _awaitingList.Add(then);
        if (_awaitingList.Count > 1) return;
        _runtime.ListAsync(null, CancellationToken.None).PipeTo(Self, Self,
            found => new Listed(found, null), e => new Listed(null, e.Message));
    }

    private Action<string> Log(IActorRef log) => line => log.Tell(new DeploymentLogLine($"{_cluster.WorkerName}: {line}"));

    private void Distribute(Task transfer) => transfer.PipeTo(Sender, Self, () => new ImageDistributed(_cluster.WorkerName, null),
        e => new ImageDistributed(_cluster.WorkerName, e.Message));

    /// <summary>Random ports of the range, so that two workers sharing a host rarely try the same one, skipping those
    /// taken by containers, held, or bound by anything else on the host.</summary>
    private PortsReserved Reserve(int count, IReadOnlySet<int> taken)
    {
        var now = DateTime.UtcNow;
        foreach (var expired in _handedOut.Where(h => h.Value < now).Select(h => h.Key).ToList()) _handedOut.Remove(expired);
        var (from, to) = _cluster.ParsedPortRange;
        var ports = new List<int>();
        var size = to - from + 1;
        var start = Random.Shared.Next(size);
        for (var i = 0; i < size && ports.Count < count; i++)
        {
            var port = from + (start + i) % size;
            if (taken.Contains(port) || _handedOut.ContainsKey(port) || !FreePorts.Bindable(port)) continue;
            ports.Add(port);
            _handedOut[port] = now + Held;
        }
        if (ports.Count == count) return new PortsReserved(ports);
        foreach (var port in ports) _handedOut.Remove(port);
        return new PortsReserved([], $"worker {_cluster.WorkerName} has no {count} free port(s) left in its range {_cluster.PortRange}");
    }
}
