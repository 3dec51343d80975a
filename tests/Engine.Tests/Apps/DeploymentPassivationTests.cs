using Akka.Actor;
using Engine.Apps;
using Engine.Deployments;
using Engine.Tests.Support;
using Engine.Protocol;

namespace Engine.Tests.Apps;

/// <summary>Finished deployment actors stop once idle, and the app still answers for them from its own record.</summary>
public sealed class DeploymentPassivationTests : EngineTestKit
{
    private async Task<bool> IsAlive(IActorRef app, string deploymentId) =>
        (await Sys.ActorSelection(app.Path / DeploymentActor.NameFor(deploymentId)).Ask<ActorIdentity>(new Identify(deploymentId), Patience))
        .Subject is not null;

    [Fact]
    public async Task Finished_deployments_stop_and_their_status_listing_and_error_still_answer()
    {
        var router = CreateTestProbe();
        var app = Sys.ActorOf(AppActor.Props("app", Settings, Workers, router.Ref));

        // Three successful deployments, then one whose hook fails.
        for (var v = 1; v <= 3; v++)
        {
            app.Tell(new CreateDeployment("app", SourceTar.WriteArchive(DataDir, "web: serve\n")));
            ExpectMsg<DeploymentView>(Patience);
            if (v == 1)
            {
                router.ExpectMsg<AppKnown>(Patience); // once the app registered itself
                Assert.Null(router.ExpectMsg<AppMaintenance>(Patience).Mode);
            }
            var route = router.ExpectMsg<SwitchRoute>(Patience);
            route.ReplyTo.Tell(new RouteSwitched("app", $"app-v{v}"));
            route.ReplyTo.Tell(new RouteDrained("app", $"app-v{v}"));
            await AwaitConditionAsync(async () => (await app.Ask<DeploymentView>(new GetDeployment("app", $"app-v{v}"), Patience))
                .Status == DeploymentStatus.Success, Patience);
        }
        Runtime.HookExitCode = 3;
        app.Tell(new CreateDeployment("app", SourceTar.WriteArchive(DataDir, "web: serve\npostdeploy: migrate\n")));
        ExpectMsg<DeploymentView>(Patience);
        await AwaitConditionAsync(async () => DeploymentStatus.IsTerminal(
            (await app.Ask<DeploymentView>(new GetDeployment("app", "app-v4"), Patience)).Status), Patience);

        // None of the finished deployments keeps an actor.
        foreach (var id in new[] { "app-v1", "app-v2", "app-v3", "app-v4" })
            await AwaitConditionAsync(async () => !await IsAlive(app, id), Patience, TimeSpan.FromMilliseconds(100));

        var listing = (await app.Ask<DeploymentList>(new GetDeployments("app"), Patience)).Deployments;
        Assert.Equal(["success", "success", "success", "hook-error"], listing.Select(d => d.Status));
        Assert.All(listing, d => Assert.NotNull(d.FinishedAt));
        var failed = await app.Ask<DeploymentView>(new GetDeployment("app", "app-v4"), Patience);
        Assert.Equal(("v4", DeploymentStatus.HookError), (failed.Version, failed.Status));
        Assert.Contains("3", failed.Error);
        // Answered from the app's record: querying did not bring any of them back.
        Assert.False(await IsAlive(app, "app-v1"));
        Assert.False(await IsAlive(app, "app-v4"));
    }
}
