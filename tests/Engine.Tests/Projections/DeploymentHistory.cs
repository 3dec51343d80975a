using System.Collections.Immutable;
using Akka.Actor;
using Akka.Persistence;
using Engine.Deployments;
using Engine.Projections;
using Engine.Protocol;
using S = Engine.Protocol.DeploymentStatus;

namespace Engine.Tests.Projections;

/// <summary>Deployments as the engine journals them: the app's queue entry and end (persistence id `app-APP`), the
/// deployment's own events (`deployment-APP-vN`). Every third version fails its build; the others succeed.</summary>
internal static class DeploymentHistory
{
    private static readonly DateTimeOffset Epoch = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly Dictionary<string, string> Env = new() { ["GREETING"] = "hello" };

    public static bool Fails(int version) => version % 3 == 0;
    public static DateTimeOffset CreatedAt(int version) => Epoch.AddMinutes(version);
    public static DateTimeOffset FinishedAt(int version) => CreatedAt(version).AddSeconds(30);
    public static string Error(string app, int version) => $"the build of {app} v{version} failed";

    /// <summary>Queued, created, building.</summary>
    public static IEnumerable<AtomicWrite> Begin(string app, int version)
    {
        var id = DeploymentId.For(app, version);
        var at = CreatedAt(version);
        yield return Write($"app-{app}", 2 * version - 1, new DeploymentQueued(app, id, version, "/uploads/x.tar", Env, at));
        yield return Write(DeploymentActor.NameFor(id), 1, new DeploymentCreated(app, id, version, "/uploads/x.tar", Env, at),
            new BuildStarted(app, id, at.AddSeconds(1)));
    }

    /// <summary>The deployment's outcome, then the app's record of it.</summary>
    public static IEnumerable<AtomicWrite> Finish(string app, int version)
    {
        var id = DeploymentId.For(app, version);
        var at = FinishedAt(version);
        yield return Fails(version)
            ? Write(DeploymentActor.NameFor(id), 3, new DeploymentFailed(app, id, S.BuildError, Error(app, version), at))
            : Write(DeploymentActor.NameFor(id), 3,
                new ImageBuilt(app, id, $"{app}:v{version}", [], at.AddSeconds(-20)),
                new ContainersStarting(app, id, [], at.AddSeconds(-15)),
                new SwitchStarted(app, id, at.AddSeconds(-10)),
                new TrafficSwitched(app, id, at.AddSeconds(-5)),
                new DeploymentSucceeded(app, id, at));
        var status = Fails(version) ? S.BuildError : S.Success;
        yield return Write($"app-{app}", 2 * version,
            new DeploymentEnded(app, id, status, at.AddSeconds(1), at, Fails(version) ? Error(app, version) : null));
    }

    public static IEnumerable<AtomicWrite> Whole(string app, IEnumerable<int> versions) =>
        versions.SelectMany(v => Begin(app, v).Concat(Finish(app, v)));

    /// <summary>The row a finished deployment must have.</summary>
    public static DeploymentRow Row(string app, int version) => new(app, DeploymentId.For(app, version), version,
        Fails(version) ? S.BuildError : S.Success, CreatedAt(version), FinishedAt(version), Fails(version) ? Error(app, version) : null);

    /// <summary>The events with the orderings a journal would give them, in write order.</summary>
    public static IEnumerable<(object Event, long Ordering)> InOrder(IEnumerable<AtomicWrite> writes) =>
        writes.SelectMany(w => (IImmutableList<IPersistentRepresentation>)w.Payload).Select((p, i) => (p.Payload, i + 1L));

    private static AtomicWrite Write(string persistenceId, long firstSequenceNr, params object[] events) =>
        new(events.Select((e, i) => (IPersistentRepresentation)new Persistent(e, firstSequenceNr + i, persistenceId,
            writerGuid: "projection-tests")).ToImmutableList());
}
