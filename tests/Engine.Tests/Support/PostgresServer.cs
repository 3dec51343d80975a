using System.Diagnostics;
using Engine.Containers;
using Npgsql;

namespace Engine.Tests.Support;

/// <summary>A throw-away PostgreSQL server from the installed binaries: its own data dir (owned by the `postgres`
/// user, as initdb requires when run by root), a free loopback port, trust authentication for user `engine`.
/// Each test takes a database of its own.</summary>
public sealed class PostgresServer : IAsyncLifetime
{
    private string _dir = "";
    private string _bin = "";

    public int Port { get; private set; }

    public async Task InitializeAsync()
    {
        _bin = Directory.GetDirectories("/usr/lib/postgresql").Select(v => Path.Combine(v, "bin"))
                   .FirstOrDefault(b => File.Exists(Path.Combine(b, "initdb")))
               ?? throw new InvalidOperationException("no PostgreSQL server binaries under /usr/lib/postgresql (scripts/ensure-postgres.sh installs them)");
        _dir = Directory.CreateTempSubdirectory("engine-pg-").FullName;
        Port = FreePorts.Take(1)[0];
        await AsPostgres("chown", ["postgres", _dir], asRoot: true);
        await AsPostgres(Path.Combine(_bin, "initdb"), ["-D", Path.Combine(_dir, "data"), "-A", "trust", "-U", "engine"]);
        await StartAsync();
    }

    /// <summary>Starts the server on its port; returns once it accepts connections.</summary>
    public Task StartAsync() => AsPostgres(Path.Combine(_bin, "pg_ctl"), ["-D", Path.Combine(_dir, "data"), "-l", Path.Combine(_dir, "log"),
        "-w", "-o", $"-p {Port} -k {_dir} -c listen_addresses=127.0.0.1", "start"]);

    /// <summary>A fast shutdown, as an operator's restart does: every client's connection is terminated (57P01).</summary>
    public Task StopAsync() => AsPostgres(Path.Combine(_bin, "pg_ctl"), ["-D", Path.Combine(_dir, "data"), "-m", "fast", "-w", "stop"]);

    public string ConnectionString(string database) => $"Host=127.0.0.1;Port={Port};Username=engine;Database={database}";

    /// <summary>A new, empty database; returns its connection string.</summary>
    public async Task<string> NewDatabaseAsync(string prefix)
    {
        var name = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 63)];
        // Unpooled: an outage test may have restarted the server, and a pooled connection would be a dead one (57P01).
        await using var admin = new NpgsqlConnection(ConnectionString("postgres") + ";Pooling=false");
        await admin.OpenAsync();
        await using (var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", admin)) await create.ExecuteNonQueryAsync();
        return ConnectionString(name);
    }

    public async Task DisposeAsync()
    {
        if (_bin.Length > 0 && Directory.Exists(Path.Combine(_dir, "data")))
            await AsPostgres(Path.Combine(_bin, "pg_ctl"), ["-D", Path.Combine(_dir, "data"), "-m", "immediate", "stop"]);
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static async Task AsPostgres(string program, string[] args, bool asRoot = false)
    {
        var psi = new ProcessStartInfo(asRoot ? program : "runuser") { RedirectStandardOutput = true, RedirectStandardError = true };
        if (!asRoot) foreach (var a in new[] { "-u", "postgres", "--", program }) psi.ArgumentList.Add(a);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(limit.Token);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{Path.GetFileName(program)} failed ({process.ExitCode}): {await stdout}{await stderr}");
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "postgres";
}
