using Akka.Actor;
using Engine.Deployments;
using Engine.Tests.Support;
using Engine.Protocol;

namespace Engine.Tests.Deployments;

/// <summary>What a waiting request hears: its deployment's changes only, and it leaves the event stream when done.</summary>
public sealed class DeploymentChangeWaiterTests : EngineTestKit
{
    [Fact]
    public async Task It_wakes_on_its_own_deployments_change_only_and_then_stops()
    {
        using var wait = DeploymentChangeWaiter.Subscribe(Sys, "app-v2");
        Watch(wait.Waiter);

        Sys.EventStream.Publish(new DeploymentChanged("app-v1"));
        ExpectNoMsg(TimeSpan.FromMilliseconds(300));
        Assert.False(wait.Woken.IsCompleted);

        Sys.EventStream.Publish(new DeploymentChanged("app-v2"));
        await wait.Woken.WaitAsync(Patience);
        ExpectTerminated(wait.Waiter, Patience);
    }

    [Fact]
    public async Task Given_up_it_stops_and_releases_its_request()
    {
        var wait = DeploymentChangeWaiter.Subscribe(Sys, "app-v1");
        Watch(wait.Waiter);

        wait.Dispose(); // the request's deadline passed or its client went
        ExpectTerminated(wait.Waiter, Patience);
        await wait.Woken.WaitAsync(Patience);
    }

    [Fact]
    public async Task A_deployment_announces_each_line_it_writes_to_its_log()
    {
        var changes = CreateTestProbe();
        Sys.EventStream.Subscribe(changes, typeof(DeploymentChanged));
        var init = new DeploymentCreated("app", "app-v1", 1, SourceTar.WriteArchive(DataDir, "web: serve\n"),
            new Dictionary<string, string>(), DateTimeOffset.UtcNow);
        var parent = Sys.ActorOf(Props.Create(() => new StepParent(DeploymentActor.Props(init, Settings, Workers, TestActor), TestActor)));

        changes.ExpectMsg<DeploymentChanged>(c => c.DeploymentId == "app-v1", Patience);
        await LogHolding("app-v1", "queued");
        parent.Tell(StartDeployment.Instance);
        changes.ExpectMsg<DeploymentChanged>(c => c.DeploymentId == "app-v1", Patience);
        await LogHolding("app-v1", "building");
    }
}
