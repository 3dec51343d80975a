using System.Net;
using System.Net.Sockets;
using Akka.Actor;
using Engine.Cluster;
using Engine.Tests.Support;
using Engine.Workers;
using Engine.Protocol;

namespace Engine.Tests.Workers;

/// <summary>A worker hands out $PORTs from its own range and never one that is taken.</summary>
public sealed class WorkerActorTests : EngineTestKit
{
    private const int From = 40110;
    private readonly ClusterSettings _cluster = new() { PortRange = $"{From}-{From + 4}", WorkerName = "worker-t", Capacity = 3 };

    [Fact]
    public async Task Ports_come_from_the_range_are_never_handed_out_twice_and_skip_those_a_container_or_another_process_holds()
    {
        // A container of the engine holds one port (its label says so; it does not listen yet), another process binds a second.
        Runtime.Crashing["web"] = true;
        await Runtime.RunAsync(ContainerSpec.For("app", "app-v1", "v1", "img", "web", 1, null, new Dictionary<string, string>(), From),
            true, CancellationToken.None);
        using var squatter = new TcpListener(IPAddress.Any, From + 1);
        squatter.Start();
        var worker = Sys.ActorOf(WorkerActor.Props(Runtime, _cluster));

        int[] free = [From + 2, From + 3, From + 4];
        worker.Tell(new ReservePorts(2));
        var first = ExpectMsg<PortsReserved>(Patience);
        Assert.Null(first.Error);
        Assert.Equal(2, first.Ports.Distinct().Count());
        Assert.All(first.Ports, p => Assert.Contains(p, free));

        worker.Tell(new ReservePorts(2));
        var refused = ExpectMsg<PortsReserved>(Patience);
        Assert.Empty(refused.Ports);
        Assert.Equal($"worker worker-t has no 2 free port(s) left in its range {From}-{From + 4}", refused.Error);

        worker.Tell(new ReservePorts(1)); // the refused reservation held nothing back
        Assert.Equal(free.Except(first.Ports), ExpectMsg<PortsReserved>(Patience).Ports);
    }

    [Fact]
    public void Requests_that_arrive_while_docker_lists_share_that_listing_and_still_get_distinct_ports()
    {
        Runtime.ListGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var worker = Sys.ActorOf(WorkerActor.Props(Runtime, _cluster));
        for (var i = 0; i < 3; i++)
        {
            worker.Tell(new DescribeWorker(null));
            worker.Tell(new ReservePorts(1));
        }
        AwaitCondition(() => Runtime.ListCalls == 1, Patience);
        Runtime.ListGate.SetResult();

        var replies = ReceiveN(6, Patience);
        Assert.Equal(3, replies.OfType<WorkerInfo>().Count());
        var ports = replies.OfType<PortsReserved>().Select(r => Assert.Single(r.Ports)).ToList();
        Assert.Equal(3, ports.Distinct().Count());
        Assert.Equal(1, Runtime.ListCalls);
        // A request after that listing answered gets a fresh one.
        worker.Tell(new DescribeWorker(null));
        ExpectMsg<WorkerInfo>(Patience);
        Assert.Equal(2, Runtime.ListCalls);
    }

    [Fact]
    public async Task It_describes_its_load_without_the_app_being_placed_and_without_hooks()
    {
        foreach (var (app, type) in new[] { ("app", "web"), ("app", "postdeploy"), ("other", "web"), ("other", "clock") })
            await Runtime.RunAsync(ContainerSpec.For(app, $"{app}-v1", "v1", "img", type, 1, null, new Dictionary<string, string>(), null),
                true, CancellationToken.None);
        var worker = Sys.ActorOf(WorkerActor.Props(Runtime, _cluster));

        worker.Tell(new DescribeWorker("app"));
        var info = ExpectMsg<WorkerInfo>(Patience);
        Assert.Equal(("worker-t", "127.0.0.1", 3, 2), (info.Name, info.Host, info.Capacity, info.Running));
        worker.Tell(new DescribeWorker(null));
        Assert.Equal(3, ExpectMsg<WorkerInfo>(Patience).Running);
    }
}
