using Engine.Journal;
using System.Collections.Concurrent;
using System.Data;
using System.Data.Common;
using Engine.Protocol;
using Engine.Audit;

namespace Engine.Projections;

/// <summary>The deployments projection's tables, in the journal's own database. The SQL is the same on SQLite and
/// PostgreSQL (ON CONFLICT, COALESCE); times are UTC ticks, like the journal's own `created` column.</summary>
public static class DeploymentsTable
{
    private const string Projection = "deployments";

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS engine_deployments (
            id TEXT PRIMARY KEY, app TEXT NOT NULL, version INTEGER NOT NULL, status TEXT NOT NULL,
            created_at BIGINT NOT NULL, finished_at BIGINT, error TEXT, created_by TEXT,
            status_ordering BIGINT NOT NULL);
        CREATE INDEX IF NOT EXISTS engine_deployments_app_idx ON engine_deployments (app, version);
        CREATE TABLE IF NOT EXISTS engine_projections (name TEXT PRIMARY KEY, last_ordering BIGINT NOT NULL);
        """;

    private const string OpenSql = """
        INSERT INTO engine_deployments (id, app, version, status, created_at, created_by, status_ordering)
        VALUES (@id, @app, @version, @status, @created, @by, @ordering) ON CONFLICT (id) DO NOTHING
        """;

    private const string StatusSql = """
        UPDATE engine_deployments SET status = @status, error = COALESCE(@error, error),
            finished_at = COALESCE(@finished, finished_at), status_ordering = @ordering
        WHERE id = @id AND status_ordering < @ordering
        """;

    private const string OffsetSql = """
        INSERT INTO engine_projections (name, last_ordering) VALUES (@name, @ordering)
        ON CONFLICT (name) DO UPDATE SET last_ordering = excluded.last_ordering
        """;

    /// <summary>The databases whose tables this process has made sure of: a listing does not run the DDL again.</summary>
    private static readonly ConcurrentDictionary<string, bool> Created = new();

    /// <summary>Creates the tables if missing (once per database in this process) and returns the stored offset (0: from
    /// the journal's start).</summary>
    public static async Task<long> StartAsync(JournalSettings settings, CancellationToken ct)
    {
        await using var db = await JournalDatabase.OpenAsync(settings, ct);
        var key = JournalDatabase.ConnectionString(settings);
        if (!Created.ContainsKey(key))
        {
            await using (var create = JournalDatabase.Command(db, null, Schema)) await create.ExecuteNonQueryAsync(ct);
            Created[key] = true;
        }
        await using var read = JournalDatabase.Command(db, null, "SELECT last_ordering FROM engine_projections WHERE name = @name",
            ("@name", DbType.String, Projection));
        return await read.ExecuteScalarAsync(ct) is { } offset and not DBNull ? Convert.ToInt64(offset) : 0;
    }

    /// <summary>Applies the changes in order and moves the offset to <paramref name="offset"/>, in one transaction.</summary>
    public static async Task ApplyAsync(JournalSettings settings, IReadOnlyList<DeploymentChange> changes, long offset,
        CancellationToken ct)
    {
        await using var db = await JournalDatabase.OpenAsync(settings, ct);
        await using var tx = await db.BeginTransactionAsync(ct);
        foreach (var change in changes)
        {
            await using var apply = change switch
            {
                DeploymentOpened o => JournalDatabase.Command(db, tx, OpenSql, ("@id", DbType.String, o.Id), ("@app", DbType.String, o.App),
                    ("@version", DbType.Int32, o.Version), ("@status", DbType.String, DeploymentStatus.Queued),
                    ("@created", DbType.Int64, o.CreatedAt.UtcTicks), ("@by", DbType.String, o.By), ("@ordering", DbType.Int64, o.Ordering)),
                StatusChanged s => JournalDatabase.Command(db, tx, StatusSql, ("@id", DbType.String, s.Id), ("@status", DbType.String, s.Status),
                    ("@error", DbType.String, s.Error), ("@finished", DbType.Int64, s.FinishedAt?.UtcTicks),
                    ("@ordering", DbType.Int64, s.Ordering)),
                _ => throw new ArgumentOutOfRangeException(nameof(changes), change, "unknown change"),
            };
            await apply.ExecuteNonQueryAsync(ct);
        }
        await using (var move = JournalDatabase.Command(db, tx, OffsetSql, ("@name", DbType.String, Projection), ("@ordering", DbType.Int64, offset)))
            await move.ExecuteNonQueryAsync(ct);
        await tx.CommitAsync(ct);
    }

    /// <summary>One app's deployments, or every app's when <paramref name="app"/> is null, by app then version; read from
    /// the table, so any node answers without recovering a deployment.</summary>
    public static async Task<IReadOnlyList<DeploymentRow>> ListAsync(JournalSettings settings, string? app, CancellationToken ct)
    {
        await StartAsync(settings, ct);
        await using var db = await JournalDatabase.OpenAsync(settings, ct);
        const string select = "SELECT app, id, version, status, created_at, finished_at, error, created_by FROM engine_deployments";
        await using var query = app is null
            ? JournalDatabase.Command(db, null, select)
            : JournalDatabase.Command(db, null, select + " WHERE app = @app", ("@app", DbType.String, app));
        await using var reader = await query.ExecuteReaderAsync(ct);
        var rows = new List<DeploymentRow>();
        while (await reader.ReadAsync(ct))
            rows.Add(new DeploymentRow(reader.GetString(0), reader.GetString(1), reader.GetInt32(2), reader.GetString(3),
                Utc(reader.GetInt64(4)), reader.IsDBNull(5) ? null : Utc(reader.GetInt64(5)),
                reader.IsDBNull(6) ? null : reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetString(7)));
        // Ordinal in memory: the databases' collations differ.
        return rows.OrderBy(r => r.App, StringComparer.Ordinal).ThenBy(r => r.Version).ToList();
    }

    /// <summary>How far the projection has got, against the journal's last event.</summary>
    public static async Task<ProjectionProgress> ProgressAsync(JournalSettings settings, CancellationToken ct)
    {
        var offset = await StartAsync(settings, ct);
        await using var db = await JournalDatabase.OpenAsync(settings, ct);
        await using var head = JournalDatabase.Command(db, null, "SELECT MAX(ordering) FROM journal");
        return new ProjectionProgress(offset, await head.ExecuteScalarAsync(ct) is { } max and not DBNull ? Convert.ToInt64(max) : 0);
    }

    private static DateTimeOffset Utc(long ticks) => new(ticks, TimeSpan.Zero);
}
