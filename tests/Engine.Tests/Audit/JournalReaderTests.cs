using Akka.Actor;
using Akka.Hosting;
using Akka.Persistence;
using Engine.Audit;
using Engine.Hosting;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Engine.Protocol;

namespace Engine.Tests.Audit;

/// <summary>On a real SQLite journal configured as the engine configures it (tag table, the env-sealing adapter).</summary>
public sealed class JournalReaderTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly EngineSettings _settings;
    private readonly IHost _host;

    public JournalReaderTests()
    {
        _settings = new EngineSettings { DataDir = Directory.CreateTempSubdirectory("engine-journal-").FullName };
        _settings.Prepare();
        _host = new HostBuilder().ConfigureServices(services => services
                .AddSingleton(_settings).AddSingleton(_settings.Cipher)
                .AddAkka("journal-reader", akka => akka.WithEngineJournal(_settings)))
            .Build();
    }

    public Task InitializeAsync() => _host.StartAsync();

    public async Task DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_settings.DataDir, recursive: true);
    }

    /// <summary>Persists what it is sent and answers with its sequence number.</summary>
    private sealed class Writer : ReceivePersistentActor
    {
        public override string PersistenceId { get; }

        public Writer(string persistenceId)
        {
            PersistenceId = persistenceId;
            CommandAny(e => Persist(e, _ => Sender.Tell(LastSequenceNr)));
        }
    }

    private static EnvChanged Env(string app, int i) =>
        new(app, new Dictionary<string, string> { ["TOKEN"] = $"hunter2-{i}" }, [], DateTimeOffset.UtcNow);

    [Fact]
    public async Task Every_event_comes_back_in_write_order_with_its_place_its_time_and_env_values_opened()
    {
        var system = _host.Services.GetRequiredService<ActorSystem>();
        var writers = new[] { "app-one", "deployment-one-v1" }.ToDictionary(id => id, id => system.ActorOf(Props.Create(() => new Writer(id))));
        var plan = new (string Id, object Event)[]
        {
            ("app-one", Env("one", 1)), ("deployment-one-v1", new BuildStarted("one", "one-v1", DateTimeOffset.UtcNow)),
            ("app-one", Env("one", 2)), ("app-one", Env("one", 3)), ("deployment-one-v1", new SwitchStarted("one", "one-v1", DateTimeOffset.UtcNow)),
        };
        var written = new List<(string Id, long Seq, object Event, DateTimeOffset Before, DateTimeOffset After)>();
        foreach (var (id, e) in plan)
        {
            var before = DateTimeOffset.UtcNow;
            var seq = await writers[id].Ask<long>(e, Patience);
            written.Add((id, seq, e, before, DateTimeOffset.UtcNow));
        }

        using var deadline = new CancellationTokenSource(Patience);
        var all = await new JournalReader(system, _settings).AllAsync(deadline.Token);

        Assert.Equal(written.Select(w => (w.Id, w.Seq)), all.Select(e => (e.PersistenceId, e.SequenceNr)));
        Assert.Equal([1L, 1, 2, 3, 2], all.Select(e => e.SequenceNr));
        Assert.True(all.Zip(all.Skip(1)).All(p => p.Item1.Ordering < p.Item2.Ordering), "orderings rise in write order");
        Assert.All(all.Zip(written), p => Assert.InRange(p.Item1.Timestamp, p.Item2.Before, p.Item2.After));
        Assert.Equal(["hunter2-1", "hunter2-2", "hunter2-3"], all.Select(e => e.Event).OfType<EnvChanged>().Select(c => c.Set["TOKEN"]));
        Assert.Equal(written.Where(w => w.Event is not EnvChanged).Select(w => w.Event), all.Select(e => e.Event).Where(e => e is not EnvChanged));

        // The journal itself holds them sealed: the reader opened them.
        await using var db = new SqliteConnection($"Data Source={_settings.DatabasePath};Mode=ReadOnly;Pooling=False");
        await db.OpenAsync();
        await using var rows = db.CreateCommand();
        rows.CommandText = "SELECT COUNT(*) FROM journal WHERE CAST(message AS TEXT) LIKE '%hunter2%'";
        Assert.Equal(0L, (long)(await rows.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task An_empty_journal_reads_as_no_event()
    {
        using var deadline = new CancellationTokenSource(Patience);
        Assert.Empty(await new JournalReader(_host.Services.GetRequiredService<ActorSystem>(), _settings).AllAsync(deadline.Token));
    }
}
