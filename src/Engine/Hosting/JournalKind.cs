using System.Security.Cryptography;
using Engine.Secrets;
using Npgsql;

namespace Engine.Hosting;

/// <summary>Which SQL database holds the journal, and the checks that make a wrong choice fail with one line at
/// start rather than with the first write.</summary>
public static class JournalKind
{
    public const string Sqlite = "sqlite";
    public const string Postgres = "postgres";

    private static readonly TimeSpan ReachTimeout = TimeSpan.FromSeconds(10);

    public static void Check(EngineSettings settings)
    {
        switch (settings.Journal)
        {
            case Sqlite:
                if (settings.JournalConnection.Length > 0)
                    throw new ArgumentException("--journal-connection is for --journal postgres; the SQLite journal lives in --data-dir");
                break;
            case Postgres:
                CheckPostgres(settings.JournalConnection);
                break;
            default:
                throw new ArgumentException($"--journal must be '{Sqlite}' or '{Postgres}', got '{settings.Journal}'");
        }
    }

    /// <summary>Parses the connection string and opens one connection: a typo or a server that is down is named now.</summary>
    private static void CheckPostgres(string connection)
    {
        if (connection.Length == 0)
            throw new ArgumentException("--journal postgres needs --journal-connection, e.g. 'Host=127.0.0.1;Port=5432;Username=engine;Database=engine'");
        NpgsqlConnectionStringBuilder parsed;
        try { parsed = new NpgsqlConnectionStringBuilder(connection); }
        catch (Exception e) when (e is ArgumentException or FormatException or KeyNotFoundException)
        {
            throw new ArgumentException($"--journal-connection is not a PostgreSQL connection string: {e.Message}");
        }
        var where = $"{parsed.Host ?? "localhost"}:{parsed.Port}" + (parsed.Database is { } db ? $"/{db}" : "");
        try
        {
            using var limit = new CancellationTokenSource(ReachTimeout);
            using var probe = new NpgsqlConnection(connection);
            probe.OpenAsync(limit.Token).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or System.Net.Sockets.SocketException or InvalidOperationException)
        {
            var reason = e is OperationCanceledException ? $"no answer within {ReachTimeout.TotalSeconds:0} s" : e.Message;
            throw new ArgumentException($"cannot reach the PostgreSQL journal at {where}: {reason}");
        }
    }

    /// <summary>What every node on one PostgreSQL journal shares, written by the first node to start: the instance id
    /// that labels the apps' containers (so a node that takes over the apps finds the containers another started), and
    /// a value sealed with the secret key (so a node whose key could not open the env the others sealed stops now).</summary>
    public static string ClaimInstance(string connection, EnvCipher cipher, string candidateId)
    {
        var (id, check) = ReadOrWriteInstance(connection, candidateId, cipher.Seal(KeyCheck));
        try
        {
            if (cipher.Open(check) == KeyCheck) return id;
        }
        catch (CryptographicException) { }
        throw new ArgumentException("this node's secret key is not the one the other nodes on this journal seal env values "
                                    + "with: give every node the same key (--secret-key-file or Engine__SecretKey)");
    }

    /// <summary>Nodes started together may both create the table: the one that loses that race tries again and reads
    /// the winner's row.</summary>
    private static (string Id, string Check) ReadOrWriteInstance(string connection, string id, string check)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var db = new NpgsqlConnection(connection);
                db.Open();
                using var claim = new NpgsqlCommand("""
                    CREATE TABLE IF NOT EXISTS engine_instance (
                        one boolean PRIMARY KEY DEFAULT true CHECK (one), instance_id text NOT NULL, key_check text NOT NULL);
                    INSERT INTO engine_instance (instance_id, key_check) VALUES (@id, @check) ON CONFLICT DO NOTHING;
                    SELECT instance_id, key_check FROM engine_instance;
                    """, db);
                claim.Parameters.AddWithValue("id", id);
                claim.Parameters.AddWithValue("check", check);
                using var row = claim.ExecuteReader();
                row.Read();
                return (row.GetString(0), row.GetString(1));
            }
            catch (PostgresException e) when (attempt < 3 && e.SqlState is PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.DuplicateTable) { }
            catch (NpgsqlException e)
            {
                throw new ArgumentException($"cannot record this node in the PostgreSQL journal's engine_instance table: {e.Message}");
            }
        }
    }

    private const string KeyCheck = "engine";
}
