using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Hosting;
using Akka.Persistence;
using Akka.Remote.Hosting;
using Engine.Cluster;
using Engine.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Engine.Projections;

namespace Engine.Tests.Projections;

/// <summary>A one-node cluster on the engine's own journal set-up (<see cref="EngineHost.WithEngineJournal"/>), with or
/// without the deployments projection hosted as a control node hosts it.</summary>
internal sealed class JournalNode : IAsyncDisposable
{
    private static readonly TimeSpan WriteTimeout = TimeSpan.FromSeconds(60);
    private readonly IHost _host;

    private JournalNode(IHost host) => _host = host;

    public ActorSystem System => _host.Services.GetRequiredService<ActorSystem>();

    public static async Task<JournalNode> StartAsync(EngineSettings settings, bool projection)
    {
        var host = new HostBuilder().ConfigureServices(services =>
        {
            services.AddSingleton(settings).AddSingleton(settings.Cipher);
            services.AddAkka(ClusterSettings.SystemName, (akka, _) =>
            {
                akka.WithEngineJournal(settings)
                    // It seeds apps' histories straight into the journal, as a migration would: no shard, so no lease
                    // (a node's journal on PostgreSQL writes an app only under its shard's lease).
                    .AddHocon($"akka.persistence.journal.sql.class = \"{typeof(Akka.Persistence.Sql.Journal.SqlWriteJournal).AssemblyQualifiedName}\"",
                        HoconAddMode.Prepend)
                    .WithRemoting(new RemoteOptions { HostName = "127.0.0.1", Port = 0 })
                    .WithClustering(new ClusterOptions { Roles = [ClusterSettings.Control] })
                    .WithActors((system, _) =>
                    {
                        var cluster = Akka.Cluster.Cluster.Get(system);
                        cluster.Join(cluster.SelfAddress);
                    });
                if (projection) akka.WithDeploymentsProjection(settings, settings.Cluster);
            });
        }).Build();
        await host.StartAsync();
        return new JournalNode(host);
    }

    /// <summary>Writes through the journal actor, as persistent actors do (event adapters applied), a batch at a time (small
    /// enough for the journal's call timeout on PostgreSQL).</summary>
    public async Task WriteAsync(IEnumerable<AtomicWrite> writes)
    {
        foreach (var batch in writes.Chunk(200))
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var events = batch.Sum(w => ((IReadOnlyCollection<IPersistentRepresentation>)w.Payload).Count);
            var waiter = System.ActorOf(Props.Create(() => new WriteWaiter(events, done)));
            Persistence.Instance.Apply(System).JournalFor(null).Tell(new WriteMessages(batch, waiter, 1));
            await done.Task.WaitAsync(WriteTimeout);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }

    /// <summary>The journal answers for the batch, then for each event: done once every event is written.</summary>
    private sealed class WriteWaiter : ReceiveActor
    {
        public WriteWaiter(int events, TaskCompletionSource done)
        {
            var written = 0;
            Receive<WriteMessagesSuccessful>(_ => { });
            Receive<WriteMessageSuccess>(_ =>
            {
                if (++written < events) return;
                done.TrySetResult();
                Context.Stop(Self);
            });
            Receive<WriteMessagesFailed>(f => done.TrySetException(f.Cause));
            Receive<WriteMessageRejected>(r => done.TrySetException(r.Cause));
            Receive<WriteMessageFailure>(f => done.TrySetException(f.Cause));
        }
    }
}
