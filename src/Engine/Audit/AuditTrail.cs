using System.Globalization;
using Engine.Deployments;
using Engine.Protocol;

namespace Engine.Audit;

/// <summary>One line of `engine audit`: where the event sits, what it is, who asked, which node wrote it, and what an
/// auditor needs from it (<paramref name="Detail"/>: a failure's reason, the image, where containers run, the hook's
/// command and how long it ran, the env names changed).</summary>
public sealed record AuditRow(long Ordering, string Timestamp, string PersistenceId, long SequenceNr, string? App, string? Deployment,
    string Type, string? Status, string? By, string? Node, string? Detail);

/// <summary>Which events: all of them when every part is null. <paramref name="Types"/>: event type names.</summary>
public sealed record AuditFilter(string? App = null, string? Deployment = null, DateTimeOffset? Since = null,
    DateTimeOffset? Until = null, IReadOnlySet<string>? Types = null);

/// <summary>The journal-wide audit trail, oldest first (the journal's global order).</summary>
public static class AuditTrail
{
    /// <summary>The event types the engine journals (what --type accepts).</summary>
    public static readonly IReadOnlySet<string> Types = typeof(IAppEvent).Assembly.GetTypes()
        .Where(t => typeof(IAppEvent).IsAssignableFrom(t) && t is { IsInterface: false, IsAbstract: false }).Select(t => t.Name)
        .Append(nameof(OperatorCommandRun)).ToHashSet();

    public static IReadOnlyList<AuditRow> Rows(IEnumerable<JournalEvent> events, AuditFilter filter)
    {
        var hookStarted = new Dictionary<string, DateTimeOffset>();
        var rows = new List<AuditRow>();
        foreach (var e in events.Where(e => e.Event is IAppEvent or OperatorCommandRun))
        {
            var deployment = (e.Event as IAboutDeployment)?.DeploymentId;
            // How long the hook ran, from its start to the event that says how it went.
            string? hook = null;
            if (e.Event is HookStarted h) hookStarted[h.DeploymentId] = h.At;
            else if (e.Event is SwitchStarted or DeploymentFailed && deployment is not null && hookStarted.Remove(deployment, out var began))
                hook = $"hook ran {(((IDeploymentEvent)e.Event).At - began).TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s";
            var app = (e.Event as IAppEvent)?.App;
            if (filter.App is { } onlyApp && app != onlyApp) continue;
            if (filter.Deployment is { } only && deployment != only) continue;
            if (filter.Since is { } since && e.Timestamp < since) continue;
            if (filter.Until is { } until && e.Timestamp > until) continue;
            if (filter.Types is { } types && !types.Contains(e.Event.GetType().Name)) continue;
            rows.Add(new AuditRow(e.Ordering, e.Timestamp.ToString("O", CultureInfo.InvariantCulture), e.PersistenceId, e.SequenceNr, app,
                deployment, e.Event.GetType().Name, StatusOf(e.Event), By(e.Event), (e.Event as OperatorCommandRun)?.Node ?? e.Node,
                string.Join("; ", new[] { Detail(e.Event), hook }.OfType<string>()) is { Length: > 0 } detail ? detail : null));
        }
        return rows;
    }

    private static string? StatusOf(object evt) => evt switch
    {
        IDeploymentEvent d => DeploymentState.StatusSetBy(d),
        DeploymentEnded x => x.Status,
        _ => null,
    };

    /// <summary>Who asked, for the events an operator's command makes.</summary>
    public static string? By(object evt) => evt switch
    {
        DeploymentQueued q => q.By,
        DeploymentCreated c => c.By,
        EnvChanged c => c.By,
        FormationChanged f => f.By,
        DeploymentFailed f => f.By,
        AppRestarted r => r.By,
        OperatorCommandRun o => o.By,
        _ => null,
    };

    /// <summary>Docker's short ids (12 characters, as `docker ps` shows them) by slot.</summary>
    private static string Containers(IReadOnlyDictionary<string, string>? ids) => ids is null or { Count: 0 } ? ""
        : "; containers " + string.Join(", ", ids.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} {p.Value[..Math.Min(12, p.Value.Length)]}"));

    private static string? Detail(object evt) => evt switch
    {
        DeploymentFailed f => f.Error,
        DeploymentEnded { Error: { } error } => error,
        EnvChanged c => AuditLog.EnvNames(c),
        FormationChanged f => string.Join(" ", f.Set.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}")),
        BuildStarted { Worker: { } worker } => $"built on {worker}",
        ImageBuilt i => $"image {i.Image}" + (i.ImageId is { } id ? $" ({id})" : ""),
        ContainersStarting s => string.Join(", ", s.Containers.Select(c => $"{c.Slot} on {c.Worker ?? "the builder"}"
                                                                            + (c.Port is { } p ? $":{p}" : ""))),
        HookStarted h => $"hook: {h.Command}" + Containers(h.ContainerIds),
        SwitchStarted s => s.HookExitCode is { } code ? $"hook exited with code {code}" : Containers(s.ContainerIds).TrimStart(';', ' ') is { Length: > 0 } c ? c : null,
        DeploymentRouted r => $"routed {r.Containers.Count} container(s)",
        ReleaseScaled r => r.Reason,
        AppRestarted r => r.Error is { } error ? $"stopped: {error}" : $"restarted {string.Join(", ", r.Slots)}",
        ContainerRestarted c => $"{c.Slot} exited ({c.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "unknown code"}) and was started again",
        OperatorCommandRun o => $"cluster {o.Command} {o.Target}".TrimEnd(),
        _ => null,
    };
}
