using Akka.Actor;
using Engine.Containers;
using Engine.Deployments;
using Engine.Tests.Support;

namespace Engine.Tests.Containers;

/// <summary>The supervisor against the fake runtime: readiness, the stability window, removal.</summary>
public sealed class ContainerSupervisorTests : EngineTestKit
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(2);

    private static IReadOnlyList<ContainerSpec> WebAndWorker() =>
    [
        ContainerSpec.For("app", "app-v1", "v1", "img", "web", 1, "serve", new Dictionary<string, string>(), FreePorts.Take(1)[0]),
        ContainerSpec.For("app", "app-v1", "v1", "img", "worker", 1, "work", new Dictionary<string, string>(), null),
    ];

    [Fact]
    public void A_worker_that_exits_within_the_stability_window_is_a_crash_naming_it()
    {
        IgnoreMessages<DeploymentLogLine>();
        Runtime.Crashing["worker"] = true;
        var supervisor = Sys.ActorOf(ContainerSupervisorActor.Props(Runtime));
        supervisor.Tell(new StartContainers(WebAndWorker(), TimeSpan.FromSeconds(10), StabilityWindow: Window));

        var failed = ExpectMsg<ContainersFailed>(Patience);
        Assert.Equal(DeploymentStatus.CrashedError, failed.Status);
        Assert.Contains("worker-1", failed.Error);
    }

    [Fact]
    public void Containers_count_as_up_only_once_the_stability_window_has_passed()
    {
        IgnoreMessages<DeploymentLogLine>();
        var supervisor = Sys.ActorOf(ContainerSupervisorActor.Props(Runtime));
        supervisor.Tell(new StartContainers(WebAndWorker(), TimeSpan.FromSeconds(10), StabilityWindow: Window));

        ExpectNoMsg(Window / 2); // web listens at once, but the worker has not proven itself yet
        Assert.Equal(2, ExpectMsg<ContainersUp>(Patience).Containers.Count);
    }
}
