using Akka.Actor;
using Engine.Build;
using Engine.Containers;
using Engine.Deployments;
using Engine.Tests.Support;

namespace Engine.Tests.Build;

/// <summary>The build runs where the containers will: it picks their $PORT there too.</summary>
public sealed class BuildActorTests : EngineTestKit
{
    private BuildSucceeded Build(string procfile)
    {
        var archive = SourceTar.WriteArchive(DataDir, procfile);
        var props = BuildActor.Props(Runtime, archive, ImageSpec.For("test", "app", "app-v1", "v1"));
        Sys.ActorOf(Props.Create(() => new StepParent(props, TestActor)));
        var reply = FishForMessage(m => m is BuildSucceeded or BuildFailed, Patience);
        return Assert.IsType<BuildSucceeded>(reply);
    }

    [Fact]
    public async Task A_web_process_gets_a_port_that_is_free_on_the_worker_and_a_release_without_web_gets_none()
    {
        var web = Build("web: serve\npostdeploy: migrate\n");
        var port = Assert.Single(web.WebPorts!);
        Assert.False(await FreePorts.AcceptsAsync(port, CancellationToken.None));

        Assert.Empty(Build("worker: crunch\n").WebPorts!);
    }
}
