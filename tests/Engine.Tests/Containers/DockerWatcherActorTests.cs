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
        Sys.ActorOf(DockerWatcherActor.Props(Runtime, apps.Ref, Heartbeat));
        AwaitCondition(() => Runtime.Watching, Patience);
        Runtime.Emit(new ContainerEvent("die", "c1", "a", "a-v1", "web-1", 137));
        Assert.Equal(new ContainerExited("a", "a-v1", "web-1", "c1", 137), apps.ExpectMsg<ContainerExited>(Patience));
        // Docker up all along: several heartbeats, no reconciliation.
        apps.ExpectNoMsg(Heartbeat * 5);

        Runtime.DockerDown = true;
        Runtime.BreakStream();
        apps.ExpectNoMsg(Heartbeat * 5); // nobody to reconcile with while Docker is away
        Runtime.DockerDown = false;

        apps.ExpectMsg<ListApps>(Patience);
        apps.Reply(new AppList([new AppView("a", "v1", "a-v1", 1, ""), new AppView("b", null, null, 0, "")]));
        Assert.Equal(new ReconcileContainers("a"), apps.ExpectMsg<ReconcileContainers>(Patience));
        Assert.Equal(new ReconcileContainers("b"), apps.ExpectMsg<ReconcileContainers>(Patience));
        apps.ExpectNoMsg(Heartbeat * 5); // once per outage

        // The stream is followed again after the outage.
        AwaitCondition(() => Runtime.Watching, Patience);
        Runtime.Emit(new ContainerEvent("die", "c2", "a", "a-v1", "web-1", 0));
        Assert.Equal("c2", apps.ExpectMsg<ContainerExited>(Patience).ContainerId);
    }
}
