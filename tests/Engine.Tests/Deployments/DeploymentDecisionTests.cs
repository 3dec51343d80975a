using Akka.Actor;
using Engine.Deployments;
using Engine.Protocol;
using Engine.Cluster;

namespace Engine.Tests.Deployments;

/// <summary>The deployment's decisions that used to be its actor's: where its work goes, and a failure that waits for
/// the cleanup.</summary>
public sealed class DeploymentDecisionTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-11-26T12:00:00Z");
    private static readonly UpWorker A = new(new Address("akka.tcp", "engine", "a", 1), "a");
    private static readonly UpWorker B = new(new Address("akka.tcp", "engine", "b", 2), "b");

    private static DeploymentState Created() => new DeploymentState().Apply(new DeploymentCreated("app", "app-v2", 2,
        "/tmp/a.tar", new Dictionary<string, string>(), Now));

    private static DeploymentState Building() => Created().Apply(new BuildStarted("app", "app-v2", Now, A.Address.ToString()));

    [Fact]
    public void Its_turn_goes_to_the_first_up_worker_and_more_than_one_needs_a_registry()
    {
        var s = Created();
        Assert.Equal(A.Address.ToString(), (s.StartOn(StartDeployment.Instance, [A, B], hasRegistry: true) as StartDeployment)?.Worker);
        Assert.Equal(2, (s.StartOn(StartDeployment.Instance, [A, B], hasRegistry: false) as NoRegistry)?.Workers);
        Assert.Equal(A.Address.ToString(), (s.StartOn(StartDeployment.Instance, [A], hasRegistry: false) as StartDeployment)?.Worker);
        Assert.Null(s.StartOn(StartDeployment.Instance, [], hasRegistry: true));
    }

    [Fact]
    public void After_a_restart_its_children_go_to_its_worker_while_it_is_up_else_to_the_first()
    {
        var s = Building();
        Assert.Equal(B, s.WorkerAmong([A, B], "b"));
        Assert.Equal(B, s.WorkerAmong([A, B], B.Address.ToString()));
        Assert.Equal(A, s.WorkerAmong([A, B], "gone"));
        Assert.Equal(A, s.WorkerAmong([A, B], null));
        Assert.Null(s.WorkerAmong([], "a"));
    }

    [Fact]
    public void Losing_a_worker_ends_it_only_when_its_work_or_its_containers_were_there()
    {
        var s = Building();
        Assert.True(s.LostWith("x", worker: "x", placed: false));
        Assert.True(s.LostWith("y", worker: "x", placed: false)); // no containers yet: any loss
        var starting = s.Apply(new ImageBuilt("app", "app-v2", "img", [new ProcessType("web", "serve")], Now))
            .Apply(new ContainersStarting("app", "app-v2", [ContainerSpec.For("app", "app-v2", "v2", "img", "web", 1, "serve",
                new Dictionary<string, string>(), 5000)], Now));
        Assert.False(starting.LostWith("y", worker: "x", placed: false));
        Assert.True(starting.LostWith("z", worker: "x", placed: true));
        Assert.False(starting.BeginFailure(new DeploymentFailed("app", "app-v2", "aborted", "e", Now)).LostWith("x", "x", false));
    }

    [Fact]
    public void A_failure_past_the_queue_waits_for_the_cleanup_and_says_what_is_left()
    {
        var failed = new DeploymentFailed("app", "app-v2", DeploymentStatus.Aborted, "canceled", Now);
        Assert.Null(Created().CleansUpBefore([failed]));
        Assert.Equal(failed, Building().CleansUpBefore([failed]));
        var failing = Building().BeginFailure(failed);
        Assert.Contains("already ending as aborted", failing.RefuseCancelNow(new CancelRequested("me"), Now));
        Assert.Null(Building().RefuseCancelNow(new CancelRequested("me"), Now));
        Assert.Equal(failed, failing.FailureAfter(new ContainersRemoved(2)));
        Assert.Equal("canceled; the removal of containers could not be confirmed: leftover", failing.FailureAfter(new ContainersRemoved(0, Error: "leftover")).Error);
        Assert.Null(failing.Apply(failing.FailureAfter(new ContainersRemoved(2))).Failing);
    }
}
