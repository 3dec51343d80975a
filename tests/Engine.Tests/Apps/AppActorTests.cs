using Akka.Actor;
using Akka.TestKit.Xunit2;
using Engine.Apps;
using Engine.Deployments;
using Engine.Hosting;
using Engine.Routing;
using Engine.Tests.Support;

namespace Engine.Tests.Apps;

/// <summary>The app actor's queue against the fake runtime and the in-memory journal.</summary>
public sealed class AppActorTests : TestKit, IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);
    private readonly FakeContainerRuntime _runtime = new() { HookBlocks = true };
    private readonly EngineSettings _settings;
    private readonly string _dataDir = Directory.CreateTempSubdirectory("engine-unit-").FullName;

    public AppActorTests()
    {
        _settings = new EngineSettings { DataDir = _dataDir, StopGrace = TimeSpan.Zero };
        _settings.Prepare();
    }

    private string StatusOf(IActorRef app, string id) =>
        app.Ask<DeploymentView>(new GetDeployment("app", id), Patience).Result.Status;

    [Fact]
    public void Deployments_of_one_app_run_one_at_a_time_and_a_stopped_one_does_not_block_the_queue()
    {
        var router = CreateTestProbe();
        var app = Sys.ActorOf(AppActor.Props("app", _settings, _runtime, router.Ref));
        router.ExpectMsg<AppKnown>(Patience);
        var hook = "web: serve\npostdeploy: migrate\n";

        app.Tell(new CreateDeployment("app", SourceTar.WriteArchive(_dataDir, hook)));
        Assert.Equal(("app-v1", "v1"), ExpectMsg<DeploymentView>(Patience) is var v1 ? (v1.Id, v1.Version) : default);
        AwaitCondition(() => StatusOf(app, "app-v1") == "running-hook", Patience);

        app.Tell(new CreateDeployment("app", SourceTar.WriteArchive(_dataDir, "web: serve\n")));
        Assert.Equal("queued", ExpectMsg<DeploymentView>(Patience).Status);
        Assert.Equal("queued", StatusOf(app, "app-v2"));

        // The running deployment's actor dies: the app recovers it, it ends as aborted, and the queue moves on.
        // (Only v2 is queried until then: a query would also bring v1's actor back.)
        Sys.ActorSelection(app.Path / DeploymentActor.NameFor("app-v1")).Tell(PoisonPill.Instance);
        AwaitCondition(() => StatusOf(app, "app-v2") == "switching", Patience);
        Assert.Equal("aborted", StatusOf(app, "app-v1"));

        app.Tell(new PromoteDeployment("app-v2", 2, []));
        Assert.Equal("app-v2", ExpectMsg<DeploymentPromoted>(Patience).DeploymentId);
        Assert.Equal("v2", app.Ask<AppView>(new GetApp("app"), Patience).Result.RoutedVersion);
    }

    public new void Dispose()
    {
        base.Dispose();
        Directory.Delete(_dataDir, recursive: true);
    }
}
