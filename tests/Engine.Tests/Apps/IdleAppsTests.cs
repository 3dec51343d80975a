using Akka.Actor;
using Engine.Apps;
using Engine.Cluster;
using Engine.Deployments;
using Engine.Routing;
using Engine.Tests.Support;
using Engine.Protocol;

namespace Engine.Tests.Apps;

/// <summary>Apps are entities that know from their own journal whether they exist; at start only apps that ever deployed
/// are started (<see cref="AppsStartupActor"/>); an app with nothing but env starts when asked.</summary>
public sealed class IdleAppsTests : EngineTestKit
{
    private async Task<bool> IsAlive(IActorRef region, string app) =>
        (await Sys.ActorSelection(region.Path / app).Ask<ActorIdentity>(new Identify(app), Patience)).Subject is not null;

    /// <summary>The apps' entities as children of one parent, as a shard region holds them.</summary>
    private IActorRef Region(IActorRef router, string name) => Sys.ActorOf(GenericChildPerEntityParent.Props(new AppMessageExtractor(),
        app => AppEntityActor.For(app, Settings, Workers, router)), name);

    [Fact]
    public async Task After_a_restart_only_deployed_apps_start_and_an_idle_app_answers_when_asked()
    {
        Runtime.HookBlocks = true;
        var router = CreateTestProbe();
        var first = Region(router.Ref, "apps-1");
        first.Tell(new ChangeEnv("idle", new Dictionary<string, string> { ["A"] = "1" }, []));
        ExpectMsg<EnvView>(Patience);
        first.Tell(new ChangeEnv("later", new Dictionary<string, string> { ["B"] = "2" }, []));
        ExpectMsg<EnvView>(Patience);
        first.Tell(new CreateDeployment("later", SourceTar.WriteArchive(DataDir, "web: serve\npostdeploy: migrate\n")));
        ExpectMsg<DeploymentView>(Patience);
        Watch(first);
        first.Tell(PoisonPill.Instance);
        ExpectTerminated(first, Patience);
        router.FishForMessage(m => m is AppKnown { App: "later" }, Patience);

        var region = Region(router.Ref, "apps-2");
        // What the journal's persistence ids say: two apps, one of which deployed.
        Sys.ActorOf(AppsStartupActor.Props(Workers, region, router.Ref,
            _ => Task.FromResult(new AppsIndex(new HashSet<string> { "idle", "later" }, new HashSet<string> { "later" }))));
        // The routers hear of the idle app without it being started; the one that deployed is started.
        router.FishForMessage(m => m is AppKnown { App: "idle" }, Patience);
        await Eventually.Until(() => IsAlive(region, "later"), alive => alive, Deadlines.Within, "the deployed app to start");
        Assert.False(await IsAlive(region, "idle"));

        var env = await region.Ask<EnvView>(new GetEnv("idle"), Patience);
        Assert.Equal("1", env.Env["A"]);
        Assert.True(await IsAlive(region, "idle"));
        // Registered in its own stream: its registration is its first event.
        var sources = await region.Ask<AuditSources>(new GetAuditSources("idle"), Patience);
        Assert.Equal([new JournalRange("app-idle", 1, 2), new JournalRange("one-offs-idle", 1, long.MaxValue)], sources.Ranges);
    }

    [Fact]
    public async Task A_message_for_an_app_that_does_not_exist_is_answered_not_found_and_leaves_no_entity()
    {
        Settings.IdleAppPassivation = TimeSpan.FromHours(1); // gone at once, not because it idled
        var router = CreateTestProbe();
        var region = Region(router.Ref, "apps");
        var error = await region.Ask<AppError>(new GetEnv("ghost"), Patience);
        Assert.Equal(new AppError("app 'ghost' not found", NotFound: true), error);
        await Eventually.Until(() => IsAlive(region, "ghost"), alive => !alive, Deadlines.Within, "the entity of an app that does not exist to go");
        router.ExpectNoMsg(TimeSpan.FromMilliseconds(100)); // the routers never hear of it
        // Asked again, it still does not exist: nothing was journaled for it.
        Assert.True((await region.Ask<AppError>(new GetFormation("ghost"), Patience)).NotFound);
    }

    [Fact]
    public async Task A_create_that_comes_while_a_missing_apps_entity_stops_is_answered()
    {
        var region = Region(CreateTestProbe().Ref, "apps");
        // A lost message is never answered; a slow answer (3,000 asks beside other tests on two cores) still comes.
        var patience = TimeSpan.FromSeconds(60);
        // Each app is asked for (not found: its entity stops) and created at once, many apps side by side.
        var answers = await Task.WhenAll(Enumerable.Range(0, 1000).Select(async i =>
        {
            var app = $"race-{i}";
            var asked = region.Ask<object>(new GetEnv(app), patience);
            var created = region.Ask<object>(new ChangeEnv(app, new Dictionary<string, string> { ["A"] = "1" }, []), patience);
            var after = region.Ask<object>(new GetEnv(app), patience);
            async Task<object> Answer(Task<object> reply) { try { return await reply; } catch (AskTimeoutException) { return "no answer"; } }
            return (Asked: await Answer(asked), Created: await Answer(created), After: await Answer(after));
        }));
        Assert.DoesNotContain(answers, a => a.Created is not EnvView || a.After is not EnvView);
    }
}
