using Akka.Actor;
using Akka.Cluster;
using Engine.Cluster;
using Engine.Protocol;
using ClusterSettings = Engine.Cluster.ClusterSettings;

namespace Engine.Routing;

/// <summary>Carries the route changes of the apps this node owns to the router actor of every `router` node (itself
/// included), and answers a switch only once every reachable router has applied it (RouteSwitched) and then drained
/// the version it left (RouteDrained). It keeps the table it has sent, so a router that comes up later, or becomes
/// reachable again, gets all of it. A router that becomes unreachable during a switch is not waited for.</summary>
public sealed class RouteBroadcastActor : ReceiveActor
{
    private readonly Akka.Cluster.Cluster _cluster = Akka.Cluster.Cluster.Get(Context.System);
    private RouteBook _book = RouteBook.Empty;
    private readonly Dictionary<string, PendingSwitch> _pending = [];
    /// <summary>Router nodes that are up and reachable, as the membership events have said so far.</summary>
    private readonly HashSet<Address> _routers = [];

    /// <summary>A switch waiting for routers: those that have not applied it yet, then those that have not drained.</summary>
    private sealed record PendingSwitch(SwitchRoute Switch, HashSet<Address> Switching, HashSet<Address> Draining, bool Answered = false);

    public static Props Props() => Akka.Actor.Props.Create(() => new RouteBroadcastActor());

    public RouteBroadcastActor()
    {
        Receive<AppKnown>(k =>
        {
            _book = _book.Know(k.App);
            Send(k, _routers);
        });
        Receive<AppMaintenance>(m =>
        {
            _book = _book.Maintain(m);
            Send(m, _routers);
        });
        Receive<SwitchRoute>(s =>
        {
            _book = _book.Switch(s);
            if (s.ReplyTo.IsNobody()) Send(s, _routers);
            else
            {
                _pending[s.DeploymentId] = new PendingSwitch(s, [.. _routers], [.. _routers]);
                Send(s with { ReplyTo = Self }, _routers);
                Answer(s.DeploymentId);
            }
        });
        Receive<EndpointDown>(d =>
        {
            _book = _book.Mark(d.App, d.DeploymentId, d.Endpoint, down: true);
            if (d.ReplyTo is not { } replyTo) Send(d, _routers);
            else
            {
                // Answered like a switch, once every router has taken it out and drained it.
                _pending[d.DeploymentId] = new PendingSwitch(new SwitchRoute(d.App, d.DeploymentId, "", [], replyTo), [.. _routers], [.. _routers]);
                Send(d with { ReplyTo = Self }, _routers);
                Answer(d.DeploymentId);
            }
        });
        Receive<EndpointUp>(u =>
        {
            _book = _book.Mark(u.App, u.DeploymentId, u.Endpoint, down: false);
            Send(u, _routers);
        });
        Receive<RouteSwitched>(r => Heard(r.DeploymentId, p => p.Switching));
        Receive<RouteDrained>(r => Heard(r.DeploymentId, p => p.Draining));

        // The routers come from the same event stream as the table replays: a router not yet in the set when a change
        // is sent gets that change in the replay its MemberUp triggers. (Cluster.State may lag these events.)
        Receive<ClusterEvent.MemberUp>(m => Join(m.Member));
        // Changes sent while it was unreachable may be lost: it gets the whole table again.
        Receive<ClusterEvent.ReachableMember>(m => { if (m.Member.Status == MemberStatus.Up) Join(m.Member); });
        Receive<ClusterEvent.UnreachableMember>(m => Forget(m.Member.Address));
        Receive<ClusterEvent.MemberRemoved>(m => Forget(m.Member.Address));
        Receive<ClusterEvent.IMemberEvent>(_ => { });
    }

    protected override void PreStart() =>
        _cluster.Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));

    protected override void PostStop() => _cluster.Unsubscribe(Self);

    private void Join(Member member)
    {
        if (!member.HasRole(ClusterSettings.Router)) return;
        _routers.Add(member.Address);
        SendBook(member.Address);
    }

    private void Send(object message, IEnumerable<Address> routers)
    {
        foreach (var router in routers) RouterAt(router).Tell(message, Self);
    }

    private void SendBook(Address router)
    {
        var at = RouterAt(router);
        foreach (var message in _book.Messages()) at.Tell(message, Self);
    }

    private static ActorSelection RouterAt(Address node) =>
        Context.ActorSelection(new RootActorPath(node) / "user" / "router");

    private void Heard(string deploymentId, Func<PendingSwitch, HashSet<Address>> waiting)
    {
        if (!_pending.TryGetValue(deploymentId, out var pending)) return;
        waiting(pending).Remove(Sender.Path.Address.HasLocalScope ? _cluster.SelfAddress : Sender.Path.Address);
        Answer(deploymentId);
    }

    private void Forget(Address router)
    {
        _routers.Remove(router);
        foreach (var (id, pending) in _pending.ToList())
        {
            pending.Switching.Remove(router);
            pending.Draining.Remove(router);
            Answer(id);
        }
    }

    /// <summary>Replies to the deployment once every router it waits for has answered.</summary>
    private void Answer(string deploymentId)
    {
        var pending = _pending[deploymentId];
        var s = pending.Switch;
        if (!pending.Answered && pending.Switching.Count == 0)
        {
            _pending[deploymentId] = pending = pending with { Answered = true };
            s.ReplyTo.Tell(new RouteSwitched(s.App, s.DeploymentId));
        }
        if (pending.Answered && pending.Draining.Count == 0)
        {
            _pending.Remove(deploymentId);
            s.ReplyTo.Tell(new RouteDrained(s.App, s.DeploymentId));
        }
    }
}
