using Engine.Deployments;
using Engine.Protocol;

namespace Engine.Projections;

/// <summary>What one journal event does to the deployments table. <paramref name="Ordering"/>: the event's place in the
/// journal, which a status must exceed to replace another (so an event applied twice, or late, changes nothing).</summary>
public abstract record DeploymentChange(string Id, long Ordering)
{
    /// <summary>Null for events that touch no deployment row. The deployment's own statuses come from its state
    /// machine's Apply, so the table never decides a status on its own.</summary>
    public static DeploymentChange? Of(object evt, long ordering) => evt switch
    {
        // The app's queue entry comes first: a deployment waiting behind another (or stopped before its actor journaled
        // anything) is listed too.
        DeploymentQueued q => new DeploymentOpened(q.App, q.DeploymentId, q.Version, q.At, ordering, q.By),
        DeploymentCreated c => new DeploymentOpened(c.App, c.DeploymentId, c.Version, c.At, ordering, c.By),
        DeploymentEnded e => new StatusChanged(e.DeploymentId, e.Status, e.Error, e.FinishedAt, ordering),
        IDeploymentEvent d when new DeploymentState().Apply(d) is { Status.Length: > 0 } s =>
            new StatusChanged(d.DeploymentId, s.Status, s.Error, s.FinishedAt, ordering),
        _ => null,
    };
}

/// <summary>Inserts the row (queued) unless it exists.</summary>
public sealed record DeploymentOpened(string App, string Id, int Version, DateTimeOffset CreatedAt, long Ordering, string? By = null)
    : DeploymentChange(Id, Ordering);

/// <summary>Null error or finish time: keep the row's.</summary>
public sealed record StatusChanged(string Id, string Status, string? Error, DateTimeOffset? FinishedAt, long Ordering)
    : DeploymentChange(Id, Ordering);
