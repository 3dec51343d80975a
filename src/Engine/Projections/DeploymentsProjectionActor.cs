using Akka;
using Akka.Actor;
using Akka.Persistence.Query;
using Akka.Persistence.Sql.Query;
using Akka.Streams;
using Akka.Streams.Dsl;
using Engine.Hosting;

namespace Engine.Projections;

/// <summary>Keeps <see cref="DeploymentsTable"/> up to date from the journal's events, in journal order from the stored
/// offset. Batches are applied in one transaction each, offset included, and applying an event twice changes nothing:
/// a stream that fails starts again (with backoff) from the stored offset and loses or doubles nothing.</summary>
public sealed class DeploymentsProjectionActor : ReceiveActor
{
    /// <summary>Up to this many events per transaction: a catch-up of many events writes few transactions.</summary>
    private const int BatchSize = 1000;
    private static readonly TimeSpan BatchWindow = TimeSpan.FromMilliseconds(200);
    private static readonly RestartSettings Backoff = RestartSettings.Create(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), 0.2);

    private readonly EngineSettings _settings;

    public static Props Props(EngineSettings settings) => Akka.Actor.Props.Create(() => new DeploymentsProjectionActor(settings));

    public DeploymentsProjectionActor(EngineSettings settings) => _settings = settings;

    /// <summary>The stream runs on this actor's materializer, so it stops with the actor.</summary>
    protected override void PreStart()
    {
        var system = Context.System;
        RestartSource.OnFailuresWithBackoff(() => Source.FromTask(DeploymentsTable.StartAsync(_settings, CancellationToken.None))
                // Asked for here, not once: the read journal fails to start while the write journal is not up yet.
                .ConcatMany(offset => PersistenceQuery.Get(system).ReadJournalFor<SqlReadJournal>(SqlReadJournal.Identifier)
                    .AllEvents(Offset.Sequence(offset)))
                .GroupedWithin(BatchSize, BatchWindow)
                .SelectAsync(1, async batch =>
                {
                    var events = batch.ToList();
                    var changes = events.Select(e => DeploymentChange.Of(e.Event, Ordering(e))).OfType<DeploymentChange>().ToList();
                    await DeploymentsTable.ApplyAsync(_settings, changes, Ordering(events[^1]), CancellationToken.None);
                    return NotUsed.Instance;
                }), Backoff)
            .RunWith(Sink.Ignore<NotUsed>(), Context.Materializer());
    }

    private static long Ordering(EventEnvelope e) => ((Sequence)e.Offset).Value;
}
