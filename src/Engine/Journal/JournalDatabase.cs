using System.Data;
using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Engine.Journal;

/// <summary>Plain SQL on the journal's own database (SQLite or PostgreSQL), for what reads or writes beside the plugin:
/// the journal reader and the projection's tables.</summary>
public static class JournalDatabase
{
    public static async Task<DbConnection> OpenAsync(JournalSettings settings, CancellationToken ct)
    {
        DbConnection db = settings.UsesSqlite
            ? new SqliteConnection(ConnectionString(settings))
            : new NpgsqlConnection(ConnectionString(settings));
        await db.OpenAsync(ct);
        return db;
    }

    /// <summary>Null when the journal takes a write now (a write of nothing, rolled back), else why not: what a caller is
    /// told when the app it asked did not answer, e.g. because sharding could not journal the app's start.</summary>
    public static async Task<Exception?> UnwritableAsync(JournalSettings settings, CancellationToken ct)
    {
        try
        {
            await using var db = await OpenAsync(settings, ct);
            await using var tx = await db.BeginTransactionAsync(ct);
            await using var write = Command(db, tx, "UPDATE journal SET deleted = deleted WHERE 1 = 0");
            await write.ExecuteNonQueryAsync(ct);
            await tx.RollbackAsync(ct);
            return null;
        }
        catch (DbException e) when (!MissingTable(e)) { return e; }
    }

    /// <summary>The plugin creates its tables at the journal's first start: before that, a read finds none.</summary>
    public static bool MissingTable(DbException e) => e is SqliteException { SqliteErrorCode: 1 } s
        ? s.Message.Contains("no such table", StringComparison.Ordinal)
        : e is PostgresException { SqlState: PostgresErrorCodes.UndefinedTable };

    public static DbCommand Command(DbConnection db, DbTransaction? tx, string sql, params (string Name, DbType Type, object? Value)[] parameters)
    {
        var command = db.CreateCommand();
        command.Transaction = tx;
        command.CommandText = sql;
        foreach (var (name, type, value) in parameters)
        {
            var p = command.CreateParameter();
            p.ParameterName = name;
            p.DbType = type;
            p.Value = value ?? DBNull.Value;
            command.Parameters.Add(p);
        }
        return command;
    }

    public static string ConnectionString(JournalSettings settings) =>
        settings.UsesSqlite ? $"Data Source={settings.DatabasePath};Default Timeout=30" : WithKeepalive(settings.JournalConnection);

    /// <summary>A PostgreSQL restart kills the pool's idle connections, and the first write on each failed (57P01). A
    /// keepalive query every second on idle connections finds them dead first, and the pool drops them.</summary>
    private static string WithKeepalive(string connection)
    {
        var builder = new NpgsqlConnectionStringBuilder(connection);
        if (builder.KeepAlive == 0) builder.KeepAlive = 1;
        return builder.ConnectionString;
    }
}
