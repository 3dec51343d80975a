using Engine.Workers;
using Engine.Protocol;

namespace Engine.Tests.Workers;

public sealed class PlacementTests
{
    private static WorkerInfo Worker(string name, int capacity = 0, int running = 0) => new($"akka.tcp://engine@h:{name.Length}", name, $"{name}.host", capacity, running);

    [Fact]
    public void Each_type_spreads_over_the_workers_then_goes_to_the_least_loaded_then_to_the_first_listed()
    {
        var plan = Placement.Plan([("web", 3), ("clock", 1)], [Worker("a"), Worker("b", running: 1)], out var error)!;
        Assert.Null(error);
        // clock-1: both run two containers by then, so the first listed (the builder) wins the tie.
        Assert.Equal([("web", 1, "a"), ("web", 2, "b"), ("web", 3, "a"), ("clock", 1, "a")], plan.Select(p => (p.Type, p.Index, p.Worker)));
        Assert.All(plan, p => Assert.Equal($"{p.Worker}.host", p.WorkerHost));
    }

    [Fact]
    public void A_formation_that_does_not_fit_is_refused_whole_and_the_error_says_what_each_worker_lacked()
    {
        Assert.Null(Placement.Plan([("web", 2), ("worker", 2)], [Worker("a", capacity: 2), Worker("b", capacity: 2, running: 1)], out var error));
        Assert.Equal("worker-2 fits on no worker (of 4 container(s) to place): worker a is full (2 of capacity 2); worker b is full (2 of capacity 2)", error);
        Assert.Null(Placement.Plan([("web", 1)], [], out error));
        Assert.Equal("no worker node is up to run the containers", error);
    }

    [Fact]
    public void Existing_containers_are_not_placed_again_but_count_for_the_spread()
    {
        // web-1 runs on b; web-2 was on a worker that is gone: it goes where web runs least.
        var plan = Placement.Plan([("web", 3)], [Worker("a", running: 0), Worker("b", running: 1)], out _, [("web", 1, "b")])!;
        Assert.Equal([("web", 2, "a"), ("web", 3, "a")], plan.Select(p => (p.Type, p.Index, p.Worker)));
    }
}
