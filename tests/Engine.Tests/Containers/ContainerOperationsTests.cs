using Akka.Actor;
using Engine.Containers;
using Engine.Tests.Support;
using Engine.Protocol;

namespace Engine.Tests.Containers;

/// <summary>The supervisor against the fake runtime: readiness, the stability window, removal.</summary>
public sealed class ContainerOperationsTests : EngineTestKit
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
        var supervisor = Sys.ActorOf(ContainerOperationsActor.Props());
        supervisor.Tell(new StartContainers(WebAndWorker(), TimeSpan.FromSeconds(10), StabilityWindow: Window));

        var failed = ExpectMsg<ContainersFailed>(Patience);
        Assert.Equal(DeploymentStatus.CrashedError, failed.Status);
        Assert.Contains("worker-1", failed.Error);
    }

    [Fact]
    public void Containers_count_as_up_only_once_the_stability_window_has_passed()
    {
        IgnoreMessages<DeploymentLogLine>();
        var supervisor = Sys.ActorOf(ContainerOperationsActor.Props());
        supervisor.Tell(new StartContainers(WebAndWorker(), TimeSpan.FromSeconds(10), StabilityWindow: Window));

        ExpectNoMsg(Window / 2); // web listens at once, but the worker has not proven itself yet
        Assert.Equal(2, ExpectMsg<ContainersUp>(Patience).Containers.Count);
    }

    [Fact]
    public void Readiness_is_checked_again_within_milliseconds_at_first_and_at_most_five_times_a_second_later()
    {
        var pauses = new List<TimeSpan> { ContainerOperationsActor.InitialReadinessPause };
        for (var i = 0; i < 10; i++) pauses.Add(ContainerOperationsActor.NextReadinessPause(pauses[^1]));

        Assert.True(pauses[0] <= TimeSpan.FromMilliseconds(20), $"first pause {pauses[0]}");
        Assert.True(pauses.Take(4).Sum(p => p.TotalMilliseconds) <= 200, string.Join(", ", pauses));
        Assert.All(pauses.Zip(pauses.Skip(1)), p => Assert.True(p.Item2 >= p.Item1));
        Assert.Equal(TimeSpan.FromMilliseconds(200), pauses[^1]);
    }
}
