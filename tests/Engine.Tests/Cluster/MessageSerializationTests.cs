using Akka.Actor;
using Akka.TestKit.Xunit2;
using Engine.Apps;
using Engine.Containers;
using Engine.Deployments;
using Engine.Routing;

namespace Engine.Tests.Cluster;

/// <summary>Every message that crosses nodes survives Akka's configured serializer: admin requests and their answers
/// through the registry's singleton proxy, the Docker watcher's word to the registry, and route changes and their
/// replies between an app's owner and every router node.</summary>
public sealed class MessageSerializationTests : TestKit
{
    private static readonly DateTimeOffset At = DateTimeOffset.Parse("2026-11-29T12:00:00Z");

    /// <summary>Made as the engine makes them. Collections are plain List, Dictionary or arrays: Newtonsoft cannot rebuild
    /// immutable dictionaries, nor the types the compiler makes for a collection expression with elements.</summary>
    private IEnumerable<object> CrossNodeMessages()
    {
        // Admin API -> registry (any node to the owner), and back.
        yield return new CreateDeployment("app", "/data/uploads/app.tar");
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
        yield return new AppView("app", "v1", "app-v1", 1, "http://app.localhost:8080");
        yield return new[] { new AppView("app", null, null, 0, "http://app.localhost:8080") };
        yield return new DeploymentView("app-v1", "app", "v1", "success", At, At, null);
        yield return new[] { new DeploymentView("app-v2", "app", "v2", "hook-error", At, At, "exit 3") };
        yield return new AuditSources("app", new List<JournalRange> { new("apps", 3, 3), new("app-app", 1, 9) });
        yield return new AppError("app 'x' not found", NotFound: true);
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
