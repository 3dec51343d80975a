using System.Collections.Concurrent;
using System.Data;
using Engine.Journal;

namespace Engine.Deployments;

/// <summary>Deployments' logs in the journal's database, so that every control node reads a deployment's whole log, also
/// after the node that ran it died. On SQLite (one node) they are a file of their own
/// (<see cref="JournalSettings.LogsDatabaseBeside"/>). A log is chunks keyed by deployment and byte offset, written in order; a chunk at an
/// offset that is taken is refused (its writer reads the end again). <c>hook_lines</c>: how many of the chunk's lines are
/// the postdeploy hook's own output, so that a re-attached hook skips those already logged.</summary>
public static class DeploymentLogTable
{
    private static string Schema(JournalSettings settings) => $"""
        CREATE TABLE IF NOT EXISTS engine_deployment_logs (
            deployment_id TEXT NOT NULL, log_offset BIGINT NOT NULL, chunk {(settings.UsesSqlite ? "BLOB" : "BYTEA")} NOT NULL,
            hook_lines INTEGER NOT NULL, PRIMARY KEY (deployment_id, log_offset));
        """;

    /// <summary>The databases whose table this process has made sure of.</summary>
    private static readonly ConcurrentDictionary<string, bool> Created = new();

    private static async Task<System.Data.Common.DbConnection> OpenAsync(JournalSettings settings, CancellationToken ct)
    {
        System.Data.Common.DbConnection db;
        string key;
        if (settings.UsesSqlite)
        {
            key = $"Data Source={JournalSettings.LogsDatabaseBeside(settings.DatabasePath)};Default Timeout=30";
            db = new Microsoft.Data.Sqlite.SqliteConnection(key);
            await db.OpenAsync(ct);
            // SQLite's calls run on the caller's thread: with the write-ahead log and no sync per commit, a write of a log
            // line does not wait for the disk (a crash may lose the last lines, never the journal's events).
            await using var quick = JournalDatabase.Command(db, null, "PRAGMA synchronous = NORMAL");
            await quick.ExecuteNonQueryAsync(ct);
        }
        else
        {
            db = await JournalDatabase.OpenAsync(settings, ct);
            key = JournalDatabase.ConnectionString(settings);
        }
        if (Created.ContainsKey(key)) return db;
        await using (var create = JournalDatabase.Command(db, null, (settings.UsesSqlite ? "PRAGMA journal_mode = WAL; " : "") + Schema(settings)))
            await create.ExecuteNonQueryAsync(ct);
        Created[key] = true;
        return db;
    }

    /// <summary>Where the next chunk goes, and how many hook lines the log holds.</summary>
    public static async Task<(long End, int HookLines)> EndAsync(JournalSettings settings, string deploymentId, CancellationToken ct)
    {
        await using var db = await OpenAsync(settings, ct);
        await using var query = JournalDatabase.Command(db, null,
            "SELECT COALESCE(MAX(log_offset + length(chunk)), 0), COALESCE(SUM(hook_lines), 0) FROM engine_deployment_logs WHERE deployment_id = @id",
            ("@id", DbType.String, deploymentId));
        await using var reader = await query.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return (Convert.ToInt64(reader.GetValue(0)), Convert.ToInt32(reader.GetValue(1)));
    }

    /// <summary>False when another writer took that offset first.</summary>
    public static async Task<bool> AppendAsync(JournalSettings settings, string deploymentId, long offset, byte[] chunk, int hookLines,
        CancellationToken ct)
    {
        await using var db = await OpenAsync(settings, ct);
        await using var insert = JournalDatabase.Command(db, null, """
            INSERT INTO engine_deployment_logs (deployment_id, log_offset, chunk, hook_lines) VALUES (@id, @offset, @chunk, @hook)
            ON CONFLICT (deployment_id, log_offset) DO NOTHING
            """, ("@id", DbType.String, deploymentId), ("@offset", DbType.Int64, offset), ("@chunk", DbType.Binary, chunk),
            ("@hook", DbType.Int32, hookLines));
        return await insert.ExecuteNonQueryAsync(ct) == 1;
    }

    /// <summary>Up to about <paramref name="max"/> bytes of the log from <paramref name="from"/>; Last when that is its end now.</summary>
    public static async Task<(byte[] Data, bool Last)> ReadAsync(JournalSettings settings, string deploymentId, long from, int max,
        CancellationToken ct)
    {
        await using var db = await OpenAsync(settings, ct);
        await using var query = JournalDatabase.Command(db, null, """
            SELECT log_offset, chunk FROM engine_deployment_logs WHERE deployment_id = @id AND log_offset + length(chunk) > @from
            ORDER BY log_offset
            """, ("@id", DbType.String, deploymentId), ("@from", DbType.Int64, from));
        await using var reader = await query.ExecuteReaderAsync(ct);
        using var data = new MemoryStream();
        while (await reader.ReadAsync(ct))
        {
            if (data.Length >= max) return (data.ToArray(), false);
            var (offset, chunk) = (reader.GetInt64(0), (byte[])reader.GetValue(1));
            var skip = (int)Math.Max(0, from - offset);
            data.Write(chunk, skip, chunk.Length - skip);
        }
        return (data.ToArray(), true);
    }
}
