using Engine.Journal;
using System.Data.Common;
using Engine.Audit;

namespace Engine.Hosting;

/// <summary>A journal written before the contract (<see cref="EngineSerializer"/>) holds events under CLR type names,
/// through Akka's default JSON serializer. The node refuses it at start, naming what to do, rather than half-reading it.</summary>
public static class JournalFormat
{
    /// <summary>Akka's default JSON serializer: every row it wrote names a CLR type.</summary>
    public const int ClrNamesSerializer = 1;

    public static void Check(EngineSettings settings)
    {
        using var db = JournalDatabase.OpenAsync(settings.JournalSettings, CancellationToken.None).GetAwaiter().GetResult();
        // The oldest rows only, by the primary key: a journal of the old format holds them from its first event on, and
        // a start reads no more of a long journal than that.
        if (!Holds(db, $"SELECT 1 FROM (SELECT identifier FROM journal ORDER BY ordering LIMIT 1000) oldest WHERE identifier = {ClrNamesSerializer} LIMIT 1")
            && !Holds(db, $"SELECT 1 FROM snapshot WHERE serializer_id = {ClrNamesSerializer} LIMIT 1")) return;
        var where = settings.UsesSqlite ? settings.DatabasePath : "the PostgreSQL database of --journal-connection";
        throw new ArgumentException($"the journal in {where} was written by an engine version before its stable event "
            + "contract (events under .NET type names), which this version does not read: start on a new journal "
            + (settings.UsesSqlite ? "(move the file aside)" : "(a new database)"));
    }

    /// <summary>False also when the table does not exist yet: the plugin creates it at first start.</summary>
    private static bool Holds(DbConnection db, string sql)
    {
        using var query = db.CreateCommand();
        query.CommandText = sql;
        try { return query.ExecuteScalar() is not null; }
        catch (DbException e) when (JournalDatabase.MissingTable(e)) { return false; }
    }
}
