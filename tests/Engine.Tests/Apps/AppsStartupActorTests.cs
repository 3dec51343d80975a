using System.Collections.Immutable;
using System.Reflection;
using Akka.Actor;
using Akka.Cluster;
using Akka.TestKit;
using Akka.Util;
using Engine.Apps;
using Engine.Cluster;
using ClusterSettings = Engine.Cluster.ClusterSettings;
using Engine.Protocol;
using Engine.Tests.Support;
using Engine.Workers;

namespace Engine.Tests.Apps;

public sealed class AppsStartupActorTests : EngineTestKit
{
    /// <summary>Workers as the cluster's read view shows them just after a node started: none up yet. Each worker's
    /// containers are reached through <paramref name="containers"/>.</summary>
    private sealed class NotYetUpWorkers(TestProbe containers) : IWorkers
    {
        public IReadOnlyList<UpWorker> Up(ActorSystem system) => [];
        public Props On(Address? worker, Props props) => Props.Create(() => new Forwarder(containers.Ref));
        public Props Placement(PlacementActor.Request request) => throw new NotSupportedException();
        public void Subscribe(ActorSystem system, IActorRef subscriber, ClusterEvent.SubscriptionInitialStateMode mode, params Type[] events) { }
        public void Unsubscribe(ActorSystem system, IActorRef subscriber, Type? only = null) { }
    }

    private sealed class Forwarder : ReceiveActor
    {
        public Forwarder(IActorRef to) => ReceiveAny(m => to.Forward(m));
    }

    /// <summary>A member that is up with these roles (Akka keeps its factory internal).</summary>
    private static Member UpMember(string address, params string[] roles)
    {
        var create = typeof(Member).GetMethod("Create", BindingFlags.NonPublic | BindingFlags.Static,
            [typeof(UniqueAddress), typeof(int), typeof(MemberStatus), typeof(ImmutableHashSet<string>), typeof(AppVersion)])!;
        return (Member)create.Invoke(null, [new UniqueAddress(Address.Parse(address), 1), 1, MemberStatus.Up,
            roles.ToImmutableHashSet(), AppVersion.Zero])!;
    }

    [Fact]
    public void A_worker_seen_up_after_the_apps_were_read_has_strangers_removed_with_the_apps_read_again()
    {
        var containers = CreateTestProbe();
        var reads = 0;
        var startup = Sys.ActorOf(AppsStartupActor.Props(new NotYetUpWorkers(containers), CreateTestProbe().Ref, CreateTestProbe().Ref,
            _ => Task.FromResult(Interlocked.Increment(ref reads) == 1
                ? new AppsIndex(new HashSet<string> { "old" }, new HashSet<string>())
                : new AppsIndex(new HashSet<string> { "old", "created-since" }, new HashSet<string>()))));
        AwaitCondition(() => Volatile.Read(ref reads) == 1, Patience);

        startup.Tell(new ClusterEvent.MemberUp(UpMember("akka.tcp://engine@10.0.0.2:4053", ClusterSettings.Worker)));
        var remove = containers.ExpectMsg<RemoveStrangers>(Patience);
        Assert.Equal(["created-since", "old"], remove.KnownApps.Order());
        // A node that is no worker sweeps nothing.
        startup.Tell(new ClusterEvent.MemberUp(UpMember("akka.tcp://engine@10.0.0.3:4053", ClusterSettings.Control)));
        startup.Tell(new ClusterEvent.MemberUp(UpMember("akka.tcp://engine@10.0.0.4:4053", ClusterSettings.Worker)));
        Assert.Equal(2, containers.ExpectMsg<RemoveStrangers>(Patience).KnownApps.Count);
    }
}
