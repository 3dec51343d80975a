using Akka.TestKit.Xunit2;
using Engine.Apps;
using Engine.Deployments;
using Engine.Protocol;

namespace Engine.Tests.Protocol;

/// <summary>Every journaled event, made the way the engine makes it, survives Akka's serializer: what the SQL journal
/// stores must come back on recovery and in the audit.</summary>
public sealed class EventSerializationTests : TestKit
{
    private static readonly DateTimeOffset At = DateTimeOffset.Parse("2026-11-26T12:00:00Z");

    private static IEnumerable<object> EventsOfAFullLife(IReadOnlyList<ProcessType> processes)
    {
        var app = new AppState("app");
        var env = app.DecideEnv(new ChangeEnv("app", new Dictionary<string, string> { ["A"] = "1" }, ["B"]), At, out _)!;
        app = app.Apply(env);
        var queued = app.DecideDeployment(new CreateDeployment("app", "/tmp/a.tar"), At);
        yield return new AppRegistered("app", At, Idle: false);
        yield return new AppRegistered("app", At, Idle: true);
        yield return new AppDeploying("app", At);
        yield return env;
        yield return queued;
        yield return app.DecideDeployment(new CreateDeployment("app", "/tmp/a.tar", IdempotencyKey: "0f3c9a"), At);

        var s = new DeploymentState();
        var created = new DeploymentCreated("app", queued.DeploymentId, queued.Version, queued.ArchivePath, queued.Env, At);
        s = s.Apply(created);
        yield return created;
        foreach (var c in new IDeploymentCommand[]
                 {
                     new StartDeployment(Formation: new Dictionary<string, int> { ["web"] = 2 }), new BuildSucceeded("img", processes, "10.0.0.7"),
                     new ContainersPlaced([new("web", 1, "akka.tcp://engine@10.0.0.7:4054", "10.0.0.7", 1234), new("web", 2, "", "", 1235)]),
                     new ContainersUp([]), HookSucceeded.Instance, new RouteSwitched("app", "app-v1"), new ContainersRemoved(1),
                 })
            foreach (var e in s.Decide(c, At))
            {
                s = s.Apply(e);
                yield return e;
            }
        yield return new DeploymentRouted("app", s.Id, s.Version, s.Containers, At, []);
        yield return new DeploymentRouted("app", s.Id, s.Version, s.Containers, At, processes.ToList(),
            "akka.tcp://engine@10.0.0.7:4054", "10.0.0.7");
        yield return new FormationChanged("app", new Dictionary<string, int> { ["web"] = 3 }, At);
        yield return new ReleaseScaled("app", s.Id, s.Containers, "scaled to web=3", At);
        yield return new ContainerRestarted("app", s.Id, "web-1", 137, At);
        yield return new DeploymentFailed("app", s.Id, "hook-error", "exit 3", At);
        yield return new DeploymentEnded("app", s.Id, s.Status, At, At);
        yield return new DeploymentEnded("app", s.Id, "hook-error", At, At, "exit 3");
    }

    public static TheoryData<string> Procfiles => new() { "none", "web: serve\nworker: work\npostdeploy: migrate\n" };

    [Theory]
    [MemberData(nameof(Procfiles))]
    public void Every_event_round_trips_through_the_journal_serializer(string procfile)
    {
        var processes = procfile == "none" ? Procfile.Default : Procfile.Parse(procfile);
        var events = EventsOfAFullLife(processes).ToList();
        Assert.Contains(events, e => e is ImageBuilt);
        foreach (var e in events)
        {
            var serializer = Sys.Serialization.FindSerializerFor(e);
            var bytes = serializer.ToBinary(e);
            var back = serializer.FromBinary(bytes, e.GetType());
            Assert.IsType(e.GetType(), back);
            Assert.Equal(System.Text.Encoding.UTF8.GetString(bytes), System.Text.Encoding.UTF8.GetString(serializer.ToBinary(back)));
        }
    }
}
