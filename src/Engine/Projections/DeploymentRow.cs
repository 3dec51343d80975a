namespace Engine.Projections;

/// <summary>One deployment as the projection keeps it: what a listing shows without recovering its actor.</summary>
/// <param name="By">Who deployed it (null: not known).</param>
public sealed record DeploymentRow(string App, string Id, int Version, string Status, DateTimeOffset CreatedAt,
    DateTimeOffset? FinishedAt, string? Error, string? By = null);

/// <summary><paramref name="Offset"/>: the journal ordering of the last event the projection applied;
/// <paramref name="JournalHead"/>: the journal's last ordering. The table lags by the difference.</summary>
public sealed record ProjectionProgress(long Offset, long JournalHead)
{
    public long Behind => Math.Max(0, JournalHead - Offset);
}
