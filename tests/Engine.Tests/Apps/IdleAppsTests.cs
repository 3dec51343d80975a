using Akka.Actor;
using Engine.Apps;
using Engine.Cluster;
using Engine.Tests.Support;
using Engine.Protocol;

namespace Engine.Tests.Apps;

/// <summary>At boot the registry starts only apps that ever deployed; an app with nothing but env starts when asked.</summary>
public sealed class IdleAppsTests : EngineTestKit
{
    private async Task<bool> IsAlive(IActorRef registry, string app) =>
        (await Sys.ActorSelection(registry.Path / "apps" / app).Ask<ActorIdentity>(new Identify(app), Patience)).Subject is not null;

    /// <summary>The registry with its apps as children of one parent, as a shard region would hold them.</summary>
    private Props Registry(IActorRef router) => AppsRegistryActor.Props(Settings, Workers, router, registry =>
    {
        var self = registry.Self;
        return registry.ActorOf(GenericChildPerEntityParent.Props(new AppMessageExtractor(),
            app => AppActor.Props(app, Settings, Workers, router, self)), "apps");
    });

    [Fact]
    public async Task After_a_restart_an_idle_app_is_listed_and_answers_without_being_recovered_at_boot()
    {
        Runtime.HookBlocks = true;
        var router = CreateTestProbe();
        var first = Sys.ActorOf(Registry(router.Ref), "registry-1");
        first.Tell(new ChangeEnv("idle", new Dictionary<string, string> { ["A"] = "1" }, []));
        ExpectMsg<EnvView>(Patience);
        first.Tell(new ChangeEnv("later", new Dictionary<string, string> { ["B"] = "2" }, []));
        ExpectMsg<EnvView>(Patience);
        first.Tell(new CreateDeployment("later", SourceTar.WriteArchive(DataDir, "web: serve\npostdeploy: migrate\n")));
        ExpectMsg<DeploymentView>(Patience);
        Watch(first);
        first.Tell(PoisonPill.Instance);
        ExpectTerminated(first, Patience);

        var registry = Sys.ActorOf(Registry(router.Ref), "registry-2");
        var views = (await registry.Ask<AppList>(ListApps.Instance, Patience)).Apps;
        Assert.Equal([("idle", 0), ("later", 1)], views.Select(v => (v.Name, v.Deployments)));
        Assert.Equal($"http://idle.{Settings.Domain}:{Settings.RouterPort}/", views[0].Url);
        // The app that deployed (after being idle) was brought back at boot; the idle one was not.
        Assert.True(await IsAlive(registry, "later"));
        Assert.False(await IsAlive(registry, "idle"));

        var env = await registry.Ask<EnvView>(new GetEnv("idle"), Patience);
        Assert.Equal("1", env.Env["A"]);
        Assert.True(await IsAlive(registry, "idle"));
        var sources = await registry.Ask<AuditSources>(new GetAuditSources("idle"), Patience);
        Assert.Equal([new JournalRange("apps", 1, 1), new JournalRange("app-idle", 1, 1)], sources.Ranges);
    }
}
