using Npgsql;

namespace Engine.Hosting;

/// <summary>The journal's PostgreSQL database as the cluster's lease store: a row per lease with its owner and an
/// expiry that the database's own clock sets, so no two nodes' clocks are compared. An owner names one node
/// incarnation (address and uid): a restarted node never inherits the rights of the process it replaced.</summary>
public sealed class LeaseTable(string connectionString, TimeSpan timeToLive) : IAsyncDisposable
{
    private readonly NpgsqlDataSource _db = NpgsqlDataSource.Create(connectionString);
    private readonly SemaphoreSlim _created = new(1, 1);
    private bool _exists;

    /// <summary>Takes the lease when it is free, expired or already this owner's.</summary>
    public async Task<bool> TryAcquireAsync(string name, string owner, CancellationToken ct)
    {
        await EnsureTableAsync(ct);
        await using var command = _db.CreateCommand("""
            INSERT INTO engine_leases AS l (name, owner, expires_at) VALUES (@name, @owner, now() + @ttl)
            ON CONFLICT (name) DO UPDATE SET owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at
            WHERE l.owner = EXCLUDED.owner OR l.expires_at < now()
            RETURNING owner
            """);
        Bind(command, ("name", name), ("owner", owner));
        return await command.ExecuteScalarAsync(ct) is string;
    }

    /// <summary>Extends every lease this owner still holds, in one statement; returns their names. A lease missing from
    /// the answer was taken by another owner once it had expired.</summary>
    public async Task<HashSet<string>> RenewAllAsync(string owner, CancellationToken ct)
    {
        await EnsureTableAsync(ct);
        await using var command = _db.CreateCommand(
            "UPDATE engine_leases SET expires_at = now() + @ttl WHERE owner = @owner RETURNING name");
        Bind(command, ("owner", owner));
        var names = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) names.Add(reader.GetString(0));
        return names;
    }

    public async Task ReleaseAsync(string name, string owner, CancellationToken ct)
    {
        await EnsureTableAsync(ct);
        await using var command = _db.CreateCommand("DELETE FROM engine_leases WHERE name = @name AND owner = @owner");
        Bind(command, ("name", name), ("owner", owner));
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Who holds the lease and whether it is still valid by the database's clock (for tests and operators).</summary>
    public async Task<(string Owner, bool Valid)?> HolderAsync(string name, CancellationToken ct)
    {
        await EnsureTableAsync(ct);
        await using var command = _db.CreateCommand("SELECT owner, expires_at > now() FROM engine_leases WHERE name = @name");
        Bind(command, ("name", name));
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? (reader.GetString(0), reader.GetBoolean(1)) : null;
    }

    public ValueTask DisposeAsync() => _db.DisposeAsync();

    private void Bind(NpgsqlCommand command, params (string Name, string Value)[] values)
    {
        foreach (var (name, value) in values) command.Parameters.AddWithValue(name, value);
        if (command.CommandText.Contains("@ttl", StringComparison.Ordinal)) command.Parameters.AddWithValue("ttl", timeToLive);
    }

    private async Task EnsureTableAsync(CancellationToken ct)
    {
        if (Volatile.Read(ref _exists)) return;
        await _created.WaitAsync(ct);
        try
        {
            if (_exists) return;
            await using var command = _db.CreateCommand(
                "CREATE TABLE IF NOT EXISTS engine_leases (name text PRIMARY KEY, owner text NOT NULL, expires_at timestamptz NOT NULL)");
            await command.ExecuteNonQueryAsync(ct);
            Volatile.Write(ref _exists, true);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            Volatile.Write(ref _exists, true); // another node created it at the same moment
        }
        finally { _created.Release(); }
    }
}
