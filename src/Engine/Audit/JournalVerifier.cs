using System.Globalization;
using Engine.Deployments;
using Engine.Protocol;
using S = Engine.Protocol.DeploymentStatus;

namespace Engine.Audit;

/// <summary>Something in the journal that the engine should never have written. <paramref name="Kind"/>: one of the
/// <see cref="JournalVerifier"/> constants; <paramref name="PersistenceId"/> and <paramref name="SequenceNr"/>: the event
/// that shows it (for a gap, the first missing number); <paramref name="Message"/>: one sentence for the operator.</summary>
public sealed record AuditFinding(string Kind, string PersistenceId, long? SequenceNr, string? App, string? Deployment,
    string Message);

/// <summary>Checks a whole journal against what the app and deployment state machines can write. Order within one
/// persistence id is its sequence numbers; across ids, the events' own times.</summary>
public static class JournalVerifier
{
    public const string SequenceGap = "sequence-gap";
    public const string SwitchWithoutHookSuccess = "switch-without-hook-success";
    public const string ConcurrentDeployments = "concurrent-deployments";
    public const string SuccessAfterFailure = "success-after-failure";
    public const string OrphanedDeployment = "orphaned-deployment";
    public const string WritersTakingTurns = "writers-taking-turns";

    /// <summary><paramref name="running"/>: the deployment ids that live app actors hold in flight (queued ones
    /// included); null: unknown, so that check is skipped.</summary>
    public static IReadOnlyList<AuditFinding> Verify(IReadOnlyList<JournalEvent> events, IReadOnlySet<string>? running = null)
    {
        var byId = events.GroupBy(e => e.PersistenceId)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<JournalEvent>)g.OrderBy(e => e.SequenceNr).ToList());
        var lives = Lives(byId);
        var orphans = Orphans(lives, running).ToList();
        var orphaned = orphans.Select(o => o.Deployment!).ToHashSet();
        return
        [
            .. Gaps(byId), .. Switches(byId, lives), .. AfterEnd(lives), .. Contradicted(byId, lives),
            .. Concurrent(lives, orphaned), .. orphans, .. TakingTurns(byId),
        ];
    }

    /// <summary>One deployment as its own journal and its app's tell it. <paramref name="Own"/>: its events in sequence
    /// order; <paramref name="Status"/>: the last one its events set (queued when the app queued it and it journaled
    /// nothing); <paramref name="EndedByApp"/>: the app's record of its end, which may be the only one (the app ends a
    /// deployment whose actor stopped twice).</summary>
    private sealed record Life(string Id, string App, int Version, IReadOnlyList<JournalEvent> Own, string? Status,
        JournalEvent? Built, JournalEvent? Final, JournalEvent? EndedByApp)
    {
        public string PersistenceId => DeploymentActor.NameFor(Id);
        public bool InProgress => Status is { } s && !S.IsTerminal(s) && EndedByApp is null;
        public DateTimeOffset? Start => Built is null ? null : AtOf(Built);
        public DateTimeOffset? End => Final is not null ? AtOf(Final) : EndedByApp is null ? null : AtOf(EndedByApp);
    }

    private static bool IsFinal(JournalEvent e) => e.Event is DeploymentSucceeded or DeploymentFailed;

    private static string? StatusOf(JournalEvent e) => e.Event is IDeploymentEvent d ? DeploymentState.StatusSetBy(d) : null;

    /// <summary>The event's own time (when the actor decided it); the journal's write time for events without one.</summary>
    private static DateTimeOffset AtOf(JournalEvent e) => e.Event switch
    {
        IDeploymentEvent d => d.At,
        DeploymentQueued q => q.At,
        DeploymentRouted r => r.At,
        DeploymentEnded x => x.At,
        _ => e.Timestamp,
    };

    private static Dictionary<string, Life> Lives(IReadOnlyDictionary<string, IReadOnlyList<JournalEvent>> byId)
    {
        var all = byId.Values.SelectMany(l => l).ToList();
        var queued = all.Where(e => e.Event is DeploymentQueued).Select(e => Deployment(e)!).ToHashSet();
        var endedByApp = all.Where(e => e.Event is DeploymentEnded).GroupBy(e => Deployment(e)!)
            .ToDictionary(g => g.Key, g => g.OrderBy(e => AtOf(e)).First());
        var lives = new Dictionary<string, Life>();
        foreach (var e in all.Where(e => e.Event is IDeploymentEvent or DeploymentQueued))
        {
            var id = Deployment(e)!;
            if (lives.ContainsKey(id)) continue;
            var own = byId.GetValueOrDefault(DeploymentActor.NameFor(id)) ?? [];
            lives[id] = new Life(id, ((IAppEvent)e.Event).App, DeploymentId.Parse(id)?.Version ?? 0, own,
                own.Select(StatusOf).LastOrDefault(s => s is not null) ?? (queued.Contains(id) ? S.Queued : null),
                own.FirstOrDefault(x => x.Event is BuildStarted), own.FirstOrDefault(IsFinal), endedByApp.GetValueOrDefault(id));
        }
        return lives;
    }

    private static string? Deployment(JournalEvent e) => (e.Event as IAboutDeployment)?.DeploymentId;

    private static string? AppOf(IReadOnlyList<JournalEvent> events) => events.Select(e => (e.Event as IAppEvent)?.App)
        .FirstOrDefault(a => a is not null);

    private static string Describe(JournalEvent e) => $"{e.Event.GetType().Name} (#{e.SequenceNr})";

    private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Only the engine's own ids: Akka's sharding ids snapshot and delete their old events by design.</summary>
    private static bool IsEngineId(string persistenceId) => persistenceId == "apps"
        || persistenceId.StartsWith("app-", StringComparison.Ordinal)
        || persistenceId.StartsWith(DeploymentActor.NameFor(""), StringComparison.Ordinal);

    private static IEnumerable<AuditFinding> Gaps(IReadOnlyDictionary<string, IReadOnlyList<JournalEvent>> byId)
    {
        foreach (var (id, events) in byId.Where(p => IsEngineId(p.Key)).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var held = events.Select(e => e.SequenceNr).ToHashSet();
            var missing = Ranges(Enumerable.Range(1, (int)events[^1].SequenceNr).Select(n => (long)n).Where(n => !held.Contains(n)));
            if (missing.Count == 0) continue;
            var deployment = id.StartsWith(DeploymentActor.NameFor(""), StringComparison.Ordinal) ? Deployment(events[0]) : null;
            var where = string.Join(", ", missing.Select(r =>
            {
                var before = events.LastOrDefault(e => e.SequenceNr < r.From);
                var after = events.First(e => e.SequenceNr > r.To);
                return (r.From == r.To ? $"#{r.From}" : $"#{r.From}-#{r.To}") +
                    (before is null ? $" before {Describe(after)}" : $" between {Describe(before)} and {Describe(after)}");
            }));
            // The registry's events name many apps.
            yield return new AuditFinding(SequenceGap, id, missing[0].From, id == "apps" ? null : AppOf(events), deployment,
                $"The journal of {id} lacks events {where}: they were lost or deleted, so its history (and its recovery) is " +
                "incomplete; restore them from a backup of the database.");
        }
    }

    /// <summary>Each incarnation of a persistent actor writes with a uuid of its own, and a later one replaces it for
    /// good: an earlier writer coming back after another one wrote means two live owners of one history (a split
    /// cluster). Every id is checked, Akka's sharding ids too.</summary>
    private static IEnumerable<AuditFinding> TakingTurns(IReadOnlyDictionary<string, IReadOnlyList<JournalEvent>> byId)
    {
        foreach (var (id, events) in byId.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var done = new HashSet<string>(StringComparer.Ordinal);
            string? current = null;
            foreach (var e in events.Where(e => e.Writer is not null))
            {
                if (e.Writer == current) continue;
                if (current is not null) done.Add(current);
                current = e.Writer;
                if (!done.Contains(current!)) continue;
                var before = events.Last(x => x.SequenceNr < e.SequenceNr && x.Writer is not null);
                yield return new AuditFinding(WritersTakingTurns, id, e.SequenceNr, IsEngineId(id) && id != "apps" ? AppOf(events) : null,
                    id.StartsWith(DeploymentActor.PersistencePrefix, StringComparison.Ordinal) ? Deployment(events[0]) : null,
                    $"Two writers took turns on {id}: {Describe(e)} was written by {e.Writer}{On(e)}, which had already been " +
                    $"replaced by {before.Writer}{On(before)} at #{before.SequenceNr}. Two nodes owned this history at once " +
                    "(a split cluster); check its events since then.");
                break;
            }
        }
    }

    private static string On(JournalEvent e) => e.Node is null ? "" : $" (node {e.Node})";

    private static List<(long From, long To)> Ranges(IEnumerable<long> numbers)
    {
        var ranges = new List<(long From, long To)>();
        foreach (var n in numbers)
            if (ranges.Count > 0 && ranges[^1].To == n - 1) ranges[^1] = (ranges[^1].From, n);
            else ranges.Add((n, n));
        return ranges;
    }

    /// <summary>Traffic may move only after SwitchStarted, which the deployment journals once its hook succeeded (or
    /// at once without a hook), and never to a failed deployment.</summary>
    private static IEnumerable<AuditFinding> Switches(IReadOnlyDictionary<string, IReadOnlyList<JournalEvent>> byId,
        IReadOnlyDictionary<string, Life> lives)
    {
        var switches = byId.Values.SelectMany(l => l).Where(e => e.Event is TrafficSwitched or DeploymentRouted)
            .OrderBy(e => e.PersistenceId, StringComparer.Ordinal).ThenBy(e => e.SequenceNr);
        foreach (var s in switches)
        {
            var id = Deployment(s)!;
            var own = lives.GetValueOrDefault(id)?.Own ?? [];
            // Within the deployment's journal its sequence decides; the app's DeploymentRouted is compared by time.
            var started = own.FirstOrDefault(e => e.Event is SwitchStarted
                && (s.Event is TrafficSwitched ? e.SequenceNr < s.SequenceNr : AtOf(e) <= AtOf(s)));
            var failed = own.FirstOrDefault(e => e.Event is DeploymentFailed);
            if (started is not null && failed is null) continue;
            var why = failed is { Event: DeploymentFailed f }
                ? $"the deployment failed ({Describe(failed)}, {f.Status}: {f.Error})"
                : $"{DeploymentActor.NameFor(id)} holds no SwitchStarted before it, so its post-deploy hook never succeeded";
            yield return new AuditFinding(SwitchWithoutHookSuccess, s.PersistenceId, s.SequenceNr, ((IAppEvent)s.Event).App, id,
                $"Traffic of {((IAppEvent)s.Event).App} moved to deployment {id} ({Describe(s)} in {s.PersistenceId}) although " +
                $"{why}: check which release serves the app and deploy one whose hook passes.");
        }
    }

    /// <summary>A deployment ends once: nothing may set its status after its first DeploymentSucceeded or
    /// DeploymentFailed.</summary>
    private static IEnumerable<AuditFinding> AfterEnd(IReadOnlyDictionary<string, Life> lives)
    {
        foreach (var life in lives.Values.Where(l => l.Final is not null).OrderBy(l => l.Id, StringComparer.Ordinal))
            foreach (var late in life.Own.Where(e => e.SequenceNr > life.Final!.SequenceNr && StatusOf(e) is not null))
                yield return new AuditFinding(SuccessAfterFailure, life.PersistenceId, late.SequenceNr, life.App, life.Id,
                    $"Deployment {life.Id} journaled {Describe(late)} after it had already ended with {Describe(life.Final!)} " +
                    $"({StatusOf(life.Final!)}): its outcome is ambiguous, so treat it as {StatusOf(life.Final!)} and find " +
                    "which node wrote the later event.");
    }

    /// <summary>The app's DeploymentEnded copies the deployment's own final status.</summary>
    private static IEnumerable<AuditFinding> Contradicted(IReadOnlyDictionary<string, IReadOnlyList<JournalEvent>> byId,
        IReadOnlyDictionary<string, Life> lives)
    {
        var ends = byId.Values.SelectMany(l => l).Where(e => e.Event is DeploymentEnded)
            .OrderBy(e => e.PersistenceId, StringComparer.Ordinal).ThenBy(e => e.SequenceNr);
        foreach (var end in ends)
        {
            var x = (DeploymentEnded)end.Event;
            if (lives.GetValueOrDefault(x.DeploymentId)?.Final is not { } final || StatusOf(final) == x.Status) continue;
            yield return new AuditFinding(SuccessAfterFailure, end.PersistenceId, end.SequenceNr, x.App, x.DeploymentId,
                $"App {x.App} recorded deployment {x.DeploymentId} as {x.Status} ({Describe(end)}) but the deployment itself " +
                $"ended {StatusOf(final)} ({Describe(final)} in {DeploymentActor.NameFor(x.DeploymentId)}): the listing and " +
                "the image pruning follow the app's record, so check which one is true.");
        }
    }

    /// <summary>An app runs one deployment at a time: from its BuildStarted to its end (open while it has none). An
    /// orphan's open interval is reported as the orphan, not again here.</summary>
    private static IEnumerable<AuditFinding> Concurrent(IReadOnlyDictionary<string, Life> lives, IReadOnlySet<string> orphaned)
    {
        foreach (var app in lives.Values.Where(l => l.Built is not null).GroupBy(l => l.App).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var started = app.OrderBy(l => l.Start).ThenBy(l => l.Version).ToList();
            for (var i = 0; i < started.Count; i++)
                for (var j = i + 1; j < started.Count; j++)
                {
                    var (a, b) = (started[i], started[j]);
                    if (a.End is null && orphaned.Contains(a.Id)) continue;
                    if (a.End is { } aEnd && b.Start >= aEnd || b.End is { } bEnd && a.Start >= bEnd) continue;
                    var ended = a.Final ?? a.EndedByApp;
                    yield return new AuditFinding(ConcurrentDeployments, b.PersistenceId, b.Built!.SequenceNr, b.App, b.Id,
                        $"Deployments {a.Id} and {b.Id} of {b.App} ran at once: {b.Id} started building ({Describe(b.Built!)} at " +
                        $"{Time(b.Start!.Value)}) before {a.Id} ended (" +
                        (ended is null ? "it never did" : $"{Describe(ended)} at {Time(a.End!.Value)}") +
                        "), though the app's queue runs one at a time: check which of them owns the app's route and containers.");
                }
        }
    }

    /// <summary>An in-progress deployment that nobody will finish: a later one of its app already started building (the
    /// queue had moved on), or no live app actor holds it.</summary>
    private static IEnumerable<AuditFinding> Orphans(IReadOnlyDictionary<string, Life> lives, IReadOnlySet<string>? running)
    {
        foreach (var life in lives.Values.Where(l => l.InProgress).OrderBy(l => l.Id, StringComparer.Ordinal))
        {
            var later = lives.Values.Where(l => l.App == life.App && l.Version > life.Version && l.Built is not null)
                .MinBy(l => l.Version);
            var last = life.Own.Count > 0 ? $"its last event {Describe(life.Own[^1])}" : "queued by its app, it journaled nothing";
            var message = later is not null
                ? $"Deployment {life.Id} was left {life.Status} ({last}) while the later {later.Id} started building " +
                  $"({Describe(later.Built!)}), so no actor will finish it: restart app {life.App} so recovery ends it, or " +
                  "treat it as aborted."
                : running is not null && !running.Contains(life.Id)
                    ? $"Deployment {life.Id} is {life.Status} by its journal ({last}) but no live app actor holds it in " +
                      $"flight, so it will never finish: restart app {life.App} so recovery ends it."
                    : null;
            if (message is not null)
                yield return new AuditFinding(OrphanedDeployment, life.PersistenceId, life.Own.Count > 0 ? life.Own[^1].SequenceNr : null,
                    life.App, life.Id, message);
        }
    }
}
