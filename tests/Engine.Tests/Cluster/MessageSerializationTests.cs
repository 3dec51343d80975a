using Akka.Actor;
using Akka.TestKit.Xunit2;
using Engine.Apps;
using Engine.Containers;
using Engine.Deployments;
using Engine.Routing;

namespace Engine.Tests.Cluster;

/// <summary>Every message that crosses nodes survives Akka's configured serializer: admin requests and their answers
/// through the registry's singleton proxy, the Docker watcher's word to the registry, route changes and their replies
/// between an app's owner and every router node, and what a deployment and its children on a worker node say.</summary>
public sealed class MessageSerializationTests : TestKit
{
    private static readonly DateTimeOffset At = DateTimeOffset.Parse("2026-11-29T12:00:00Z");

    /// <summary>Made as the engine makes them. Collections are plain List, Dictionary or arrays: Newtonsoft cannot rebuild
    /// immutable dictionaries, nor the types the compiler makes for a collection expression with elements.</summary>
    private IEnumerable<object> CrossNodeMessages()
    {
        // Admin API -> registry (any node to the owner), and back.
        yield return new CreateDeployment("app", "/data/uploads/app.tar", "akka.tcp://engine@10.0.0.6:4054");
        yield return new CreateDeployment("app", "/data/uploads/app.tar", "akka.tcp://engine@10.0.0.6:4054", "alice", "0f3c9a");
        yield return new DeploymentRepeated(new DeploymentView("app-v1", "app", "v1", "queued", At, null, null));
        yield return new ChangeEnv("app", new Dictionary<string, string> { ["A"] = "1" }, new List<string> { "B" });
        yield return new GetEnv("app");
        yield return new GetDeployments("app");
        yield return new GetDeployment("app", "app-v1");
        yield return new GetApp("app");
        yield return new GetContainerRestarts("app");
        yield return new GetAuditSources("app", new JournalRange("apps", 3, 3));
        yield return ListApps.Instance;
        var app = new AppState("app");
        app = app.Apply(app.DecideEnv(new ChangeEnv("app", new Dictionary<string, string> { ["A"] = "1" }, []), At, out _)!);
        yield return app.EnvView;
        yield return new ContainerRestartsView(new Dictionary<string, SlotRestarts>(app.Restarts) { ["web-1"] = new(2, 137) });
        yield return new AppView("app", "v1", "app-v1", 1, "http://app.localhost:8080", "akka.tcp://engine@10.0.0.5:4054");
        yield return new[] { new AppView("app", null, null, 0, "http://app.localhost:8080") };
        yield return new DeploymentView("app-v1", "app", "v1", "success", At, At, null);
        yield return new[] { new DeploymentView("app-v2", "app", "v2", "hook-error", At, At, "exit 3") };
        yield return new AuditSources("app", new List<JournalRange> { new("apps", 3, 3), new("app-app", 1, 9) });
        yield return new AppError("app 'x' not found", NotFound: true);
        yield return new AppUnavailable("app", "app 'app' stopped (a journal write failed)");
        yield return new AppRecovered("app");
        yield return new ReadDeploymentLog("app", "app-v1", 65536);
        yield return new WatchDeployment("app", "app-v1", TestActor);
        yield return new WatchingDeployment(123);
        yield return new DeploymentChanged("app-v1");
        // Docker watcher (every node) -> registry.
        yield return new ReconcileContainers("app");
        // Owner -> every router node, and the routers' replies.
        yield return new SwitchRoute("app", "app-v1", "v1", new List<string> { "http://10.0.0.7:32768" }, TestActor);
        yield return new SwitchRoute("app", "app-v1", "v1", new List<string>(), ActorRefs.Nobody);
        yield return new AppKnown("app");
        yield return new EndpointDown("app", "app-v1", "http://10.0.0.7:32768");
        yield return new EndpointUp("app", "app-v1", "http://10.0.0.7:32768");
        yield return new RouteSwitched("app", "app-v1");
        yield return new RouteDrained("app", "app-v1");
        // A deployment or app (control node) <-> its children on the worker node, and the Docker watcher's word.
        var spec = ContainerSpec.For("app", "app-v1", "v1", "engine-apps/app:v1", "web", 1, "sh web.sh",
            new Dictionary<string, string> { ["A"] = "1" }, 32768);
        yield return new ReadSource(65536);
        yield return new ReadSource(0, "/data/uploads/0123.tar");
        yield return new DeleteUpload("/data/uploads/0123.tar");
        yield return new FileChunk(0, [1, 2, 3], Last: true);
        yield return new FileChunk(0, [], true, "the uploaded source is no longer on disk");
        yield return new BuildSucceeded("engine-apps/app:v1", new List<ProcessType> { new("web", "sh web.sh"), new("postdeploy", null) }, "10.0.0.7");
        yield return new BuildFailed("no Dockerfile");
        yield return new StartContainers(new List<ContainerSpec> { spec }, TimeSpan.FromSeconds(20), false, TimeSpan.FromSeconds(3));
        yield return new ContainersUp(new List<ContainerSpec> { spec });
        yield return new ContainersFailed("crashed-error", "container web-1 exited with code 1");
        yield return RemoveContainers.AllBut("app", ["app-v1"], TimeSpan.FromSeconds(10));
        yield return RemoveContainers.HookOf("app", "app-v1");
        yield return new ContainersRemoved(2, new List<string> { "web-1" }, "Docker still lists them");
        yield return HookSucceeded.Instance;
        yield return new HookFailed("the postdeploy hook exited with code 3");
        yield return new HookLost("its container is gone");
        yield return new DeploymentLogLine("Step 1/3 : FROM busybox");
        yield return new PruneImages("app", new HashSet<string> { "app-v1" });
        yield return new ImagesPruned("app", new List<string> { "engine-apps/app:v1" }, new List<string>());
        yield return new ListContainers("app");
        yield return new ContainersListed(new List<ContainerSummary> { new("0123456789abcdef", "n", "app", "app-v1", "v1", "web", "web-1", "running", 20001) },
            Worker: "akka.tcp://engine@10.0.0.7:4054");
        yield return RemoveContainers.OfDeploymentBut("app", "app-v1", ["web-1"], TimeSpan.FromSeconds(30));
        yield return spec with { Worker = "akka.tcp://engine@10.0.0.7:4054", WorkerHost = "10.0.0.7" };
        // Scale, through the registry to the app's owner.
        yield return new ScaleApp("app", new Dictionary<string, int> { ["web"] = 2 });
        yield return new GetFormation("app");
        yield return new FormationView("app", new Dictionary<string, int> { ["web"] = 2, ["worker"] = 0 });
        // A placement (control node) <-> the worker actor on each worker node.
        yield return new Engine.Workers.DescribeWorker("app");
        yield return new Engine.Workers.DescribeWorker(null);
        yield return new Engine.Workers.WorkerInfo("akka.tcp://engine@10.0.0.7:4054", "worker-a", "10.0.0.7", 0, 3);
        yield return new Engine.Workers.ReservePorts(2);
        yield return new Engine.Workers.PortsReserved(new List<int> { 20001, 20002 });
        yield return new Engine.Workers.PortsReserved(new List<int>(), "no free port");
        yield return new Engine.Workers.PushImage("engine-apps/app:v1-x", "127.0.0.1:5000/engine-apps/app:v1-x", TestActor);
        yield return new Engine.Workers.PullImage("127.0.0.1:5000/engine-apps/app:v1-x", "engine-apps/app:v1-x", TestActor);
        yield return new Engine.Workers.ImageDistributed("akka.tcp://engine@10.0.0.7:4054", null);
        yield return new RemoveStrangers(new HashSet<string> { "app" });
        yield return new StrangersRemoved(1, null);
        yield return new ReviveContainer(spec, "0123456789abcdef", 137);
        yield return new ContainerRevived(spec, 137);
        yield return new KeepOnly("app-v1");
        yield return new ContainerExited("app", "app-v1", "web-1", "0123456789abcdef", 137);
        yield return new Engine.Workers.Span(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public void Every_cross_node_message_round_trips_through_the_configured_serializer()
    {
        foreach (var message in CrossNodeMessages())
        {
            var serializer = Sys.Serialization.FindSerializerFor(message);
            var bytes = serializer.ToBinary(message);
            var back = serializer.FromBinary(bytes, message.GetType());
            Assert.IsType(message.GetType(), back);
            Assert.Equal(System.Text.Encoding.UTF8.GetString(bytes), System.Text.Encoding.UTF8.GetString(serializer.ToBinary(back)));
        }
        // An actor reference comes back as the same actor.
        var routed = new SwitchRoute("app", "app-v1", "v1", [], TestActor);
        var serializerOfRoute = Sys.Serialization.FindSerializerFor(routed);
        var roundTripped = (SwitchRoute)serializerOfRoute.FromBinary(serializerOfRoute.ToBinary(routed), typeof(SwitchRoute));
        Assert.Equal(TestActor, roundTripped.ReplyTo);
    }
}
