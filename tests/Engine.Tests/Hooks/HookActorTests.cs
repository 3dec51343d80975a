using Akka.Actor;
using Engine.Containers;
using Engine.Hooks;
using Engine.Tests.Support;
using Engine.Protocol;

namespace Engine.Tests.Hooks;

/// <summary>The hook actor against the fake runtime: its reply is the hook's outcome, whatever the cleanup does.</summary>
public sealed class HookActorTests : EngineTestKit
{
    /// <summary>Stands in for the deployment: the hook's replies reach the test actor.</summary>
    private sealed class Parent : ReceiveActor
    {
        public Parent(Props child, IActorRef probe)
        {
            Context.ActorOf(child, "hook");
            ReceiveAny(probe.Forward);
        }
    }

    private static ContainerSpec Spec => ContainerSpec.For("app", "app-v1", "v1", "img", "postdeploy", 1, "migrate",
        new Dictionary<string, string>(), null);

    [Fact]
    public void A_failing_removal_never_replaces_the_hook_s_own_failure()
    {
        Runtime.HookExitCode = 3;
        Runtime.RemoveThrows = true;
        Sys.ActorOf(Props.Create(() => new Parent(HookActor.Props(Spec, Patience), TestActor)));

        var failed = FishForMessage<HookFailed>(_ => true, Patience);
        Assert.Equal("the postdeploy hook exited with code 3", failed.Error);
    }

    [Fact]
    public void The_hook_container_stays_until_the_deployment_removes_it_after_journaling_the_outcome()
    {
        Sys.ActorOf(Props.Create(() => new Parent(HookActor.Props(Spec, Patience), TestActor)));
        FishForMessage<HookSucceeded>(_ => true, Patience);
        ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        Assert.Contains(Runtime.Live, c => c.Type == "postdeploy");

        Sys.ActorOf(ContainerOperationsActor.Props()).Tell(RemoveContainers.HookOf("app", "app-v1"), TestActor);
        Assert.Equal(1, ExpectMsg<ContainersRemoved>(Patience).Count);
        Assert.DoesNotContain(Runtime.Live, c => c.Type == "postdeploy");
    }

    [Fact]
    public void Attaching_without_a_hook_container_reports_it_lost()
    {
        Sys.ActorOf(Props.Create(() => new Parent(HookActor.Attach(Spec, Patience), TestActor)));
        Assert.Contains("its container is gone", FishForMessage<HookLost>(_ => true, Patience).Error);
    }
}
