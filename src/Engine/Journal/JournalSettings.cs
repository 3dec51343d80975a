namespace Engine.Journal;

/// <summary>Where the journal is, for those who read it directly (audits, the projection, leases). Handed over by the
/// host (Hosting/EngineSettings holds the keys, defaults and checks).</summary>
public sealed record JournalSettings
{
    public bool UsesSqlite { get; init; } = true;

    /// <summary>The SQLite database file.</summary>
    public string DatabasePath { get; init; } = "";

    /// <summary>On SQLite, the deployments' logs: a file of their own beside the journal's, as SQLite takes one writer at
    /// a time and log writes would hold up the journal's.</summary>
    public static string LogsDatabaseBeside(string databasePath) =>
        Path.Combine(Path.GetDirectoryName(databasePath) ?? ".", "deployment-logs.db");

    /// <summary>The PostgreSQL connection string (Npgsql's form). Never logged: it may hold a password.</summary>
    public string JournalConnection { get; init; } = "";
}
