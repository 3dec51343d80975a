using Akka.Actor;
using Akka.Cluster.Sharding;
using Akka.TestKit.Xunit2;
using Engine.Apps;
using Engine.Protocol;

namespace Engine.Tests.Apps;

/// <summary>An app entity's passivation: what its app holds when the shard's stop comes is not lost.</summary>
public sealed class AppEntityActorTests : TestKit
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    /// <summary>The shard: it hands the test's messages to the entity, and the entity and all it sends to the probe.</summary>
    private sealed class ShardStandIn : ReceiveActor
    {
        public ShardStandIn(Props entity, IActorRef probe)
        {
            var e = Context.ActorOf(entity, "entity");
            probe.Tell(e);
            Receive<Deliver>(d => e.Forward(d.Message));
            ReceiveAny(probe.Forward);
        }
    }

    private sealed record Deliver(object Message);

    /// <summary>An app that asked to stop: it sends app messages back to its entity, as <see cref="AppExistence"/> does,
    /// and it is busy with "hold" until the gate opens.</summary>
    private sealed class HoldingApp : ReceiveActor
    {
        public HoldingApp(SemaphoreSlim gate)
        {
            Receive<string>(_ => gate.Wait(Patience));
            Receive<AppEntityActor.Stop>(_ => Context.Stop(Self));
            ReceiveAny(m => Context.Parent.Forward(m));
        }
    }

    [Fact]
    public void A_message_the_app_holds_when_the_shard_stops_its_entity_goes_back_to_the_shard_and_then_the_entity_stops()
    {
        using var gate = new SemaphoreSlim(0);
        var shard = CreateTestProbe();
        var standIn = Sys.ActorOf(Props.Create(() => new ShardStandIn(
            AppEntityActor.Props(Props.Create(() => new HoldingApp(gate)), TimeSpan.FromSeconds(1)), shard.Ref)));
        var entity = Watch(shard.ExpectMsg<IActorRef>(Patience));
        standIn.Tell(new Deliver("hold"));
        var held = new ChangeEnv("a", new Dictionary<string, string> { ["A"] = "1" }, []);
        standIn.Tell(new Deliver(held)); // in the app's mailbox, behind "hold"
        standIn.Tell(new Deliver(new Passivate(AppEntityActor.Stop.Instance))); // as the app asks
        var passivate = shard.ExpectMsg<Passivate>(Patience);
        standIn.Tell(new Deliver(passivate.StopMessage));
        // The entity has taken the stop in (it answers after it) while its app still holds the message.
        standIn.Tell(new Deliver(new Identify("after the stop")));
        Assert.NotNull(ExpectMsg<ActorIdentity>(Patience).Subject);

        gate.Release();
        Assert.Same(held, shard.ExpectMsg<ChangeEnv>(Patience));
        ExpectTerminated(entity, Patience);
    }
}
