using Akka.Actor;
using Akka.Cluster;
using Engine.Containers;
using Engine.Workers;
using Engine.Protocol;
using Engine.Cluster;

namespace Engine.Tests.Support;

/// <summary>One process, one worker: this test system itself, with the Docker engine the test kit registered
/// (<see cref="DockerHost"/>). Children stay here; a formation is placed here on free ports; no membership news.</summary>
public sealed class LocalWorkers : IWorkers
{
    public static readonly LocalWorkers Instance = new();

    public IReadOnlyList<UpWorker> Up(ActorSystem system)
    {
        var self = ((ExtendedActorSystem)system).Provider.DefaultAddress;
        return [new UpWorker(self, self.ToString())];
    }

    public Props On(Address? worker, Props props) => props;

    public Props Placement(PlacementActor.Request request) => Props.Create(() => new LocalPlacementActor(request));

    public void Subscribe(ActorSystem system, IActorRef subscriber, ClusterEvent.SubscriptionInitialStateMode mode, params Type[] events) { }

    public void Unsubscribe(ActorSystem system, IActorRef subscriber, Type? only = null) { }
}

/// <summary>Places the containers the request lacks on this one worker, each web one on a free port: the image is
/// already where they run.</summary>
public sealed class LocalPlacementActor : ReceiveActor
{
    public LocalPlacementActor(PlacementActor.Request request)
    {
        var missing = request.Formation.SelectMany(f => Enumerable.Range(1, f.Count).Select(i => (f.Type, Index: i)))
            .Where(s => request.Existing?.Any(k => k.Type == s.Type && k.Index == s.Index) != true).ToList();
        var ports = new Queue<int>(FreePorts.Take(missing.Count(m => m.Type == Procfile.Web)));
        Context.Parent.Tell(new ContainersPlaced(missing.Select(m => new PlacedContainer(m.Type, m.Index, "", "",
            m.Type == Procfile.Web ? ports.Dequeue() : null)).ToList()));
        ReceiveAny(_ => { });
    }
}
