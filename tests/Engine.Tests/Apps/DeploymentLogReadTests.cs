using System.Text;
using Akka.Actor;
using Engine.Apps;
using Engine.Tests.Support;
using Engine.Protocol;

namespace Engine.Tests.Apps;

/// <summary>A deployment's log, read and watched through its app by the node's log actor.</summary>
public sealed class DeploymentLogReadTests : EngineTestKit
{
    [Fact]
    public async Task The_app_reads_and_watches_its_deployments_logs_on_its_node_and_refuses_unknown_ones()
    {
        Runtime.HookBlocks = true;
        var router = CreateTestProbe();
        var app = Sys.ActorOf(AppActor.Props("app", Settings, Workers, router.Ref));
        app.Tell(new CreateDeployment("app", SourceTar.WriteArchive(DataDir, "web: serve\npostdeploy: migrate\n")));
        ExpectMsg<DeploymentView>(Patience);
        router.ExpectMsg<AppKnown>(Patience); // once the app registered itself
        Assert.Null(router.ExpectMsg<AppMaintenance>(Patience).Mode); // and is in no maintenance

        await AwaitAssertAsync(async () =>
        {
            var chunk = await app.Ask<FileChunk>(new ReadDeploymentLog("app", "app-v1", 0), Patience);
            Assert.Contains("v1 queued", Encoding.UTF8.GetString(chunk.Data));
        }, Patience);
        var watching = await app.Ask<WatchingDeployment>(new WatchDeployment("app", "app-v1", CreateTestProbe().Ref), Patience);
        Assert.True(watching.LogLength > 0);
        Assert.True((await app.Ask<AppError>(new ReadDeploymentLog("app", "app-v9", 0), Patience)).NotFound);
    }
}
