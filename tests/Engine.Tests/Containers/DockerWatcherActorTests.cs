using Akka.Actor;
using Engine.Containers;
using Engine.Tests.Support;
using Engine.Protocol;

namespace Engine.Tests.Containers;

/// <summary>Items 7 and 11 on the fake runtime: exits go to their app; a Docker that was away makes every app
/// reconcile once it answers, and only then.</summary>
public sealed class DockerWatcherActorTests : EngineTestKit
{
    private static readonly TimeSpan Heartbeat = TimeSpan.FromMilliseconds(200);

    [Fact]
    public void Exits_go_to_their_app_and_every_app_reconciles_once_Docker_answers_again()
    {
        var apps = CreateTestProbe();
        var reads = CreateTestProbe();
        // Of the journal's apps, only "a" ever deployed.
        Sys.ActorOf(DockerWatcherActor.Props(Runtime, apps.Ref, _ =>
        {
            reads.Ref.Tell("read");
            return Task.FromResult<IReadOnlySet<string>>(new HashSet<string> { "a" });
        }, Heartbeat));
        AwaitCondition(() => Runtime.Watching, Patience);
        Runtime.Emit(new ContainerEvent("die", "c1", "a", "a-v1", "web-1", 137));
        Assert.Equal(new ContainerExited("a", "a-v1", "web-1", "c1", 137), apps.ExpectMsg<ContainerExited>(Patience));
        // Docker up all along: several heartbeats, no reconciliation.
        apps.ExpectNoMsg(Heartbeat * 5);

        Runtime.DockerDown = true;
        Runtime.BreakStream();
        apps.ExpectNoMsg(Heartbeat * 5); // nobody to reconcile with while Docker is away
        reads.ExpectNoMsg(TimeSpan.Zero);
        Runtime.DockerDown = false;

        reads.ExpectMsg("read", Patience);
        // An app that never deployed has no container: it is not started for this.
        Assert.Equal(new ReconcileContainers("a"), apps.ExpectMsg<ReconcileContainers>(Patience));
        apps.ExpectNoMsg(Heartbeat * 5); // once per outage
        reads.ExpectNoMsg(TimeSpan.Zero);

        // The stream is followed again after the outage.
        AwaitCondition(() => Runtime.Watching, Patience);
        Runtime.Emit(new ContainerEvent("die", "c2", "a", "a-v1", "web-1", 0));
        Assert.Equal("c2", apps.ExpectMsg<ContainerExited>(Patience).ContainerId);
    }
}
