using Engine.Journal;
using Akka;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;
using Akka.Util;
using Engine.Audit;

namespace Engine.Projections;

/// <summary>Keeps <see cref="DeploymentsTable"/> up to date from the journal's events, in journal order from the stored
/// offset (read by <see cref="JournalReader"/>, not the plugin's slow AllEvents). Each batch is applied in one
/// transaction, offset included, and applying an event twice changes nothing: a stream that fails starts again (with
/// backoff) from the stored offset and loses or doubles nothing.</summary>
public sealed class DeploymentsProjectionActor : ReceiveActor
{
    /// <summary>Up to this many events per transaction: a catch-up of many events writes few transactions.</summary>
    private const int BatchSize = 1000;
    /// <summary>How often an idle journal is read again.</summary>
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(500);
    private static readonly RestartSettings Backoff = RestartSettings.Create(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), 0.2);

    private readonly JournalSettings _settings;

    public static Props Props(JournalSettings settings) => Akka.Actor.Props.Create(() => new DeploymentsProjectionActor(settings));

    public DeploymentsProjectionActor(JournalSettings settings) => _settings = settings;

    /// <summary>The stream runs on this actor's materializer, so it stops with the actor.</summary>
    protected override void PreStart()
    {
        var journal = new JournalReader(Context.System, _settings);
        RestartSource.OnFailuresWithBackoff(() => Source.FromTask(DeploymentsTable.StartAsync(_settings, CancellationToken.None))
                .ConcatMany(offset => Source.UnfoldAsync(offset, async after =>
                {
                    var batch = await journal.AfterAsync(after, BatchSize, CancellationToken.None);
                    if (batch.Count == 0) await Task.Delay(Poll);
                    return Option<(long, IReadOnlyList<JournalEvent>)>.Create((batch.Count == 0 ? after : batch[^1].Ordering, batch));
                }))
                .Where(batch => batch.Count > 0)
                .SelectAsync(1, async batch =>
                {
                    var changes = batch.Select(e => DeploymentChange.Of(e.Event, e.Ordering)).OfType<DeploymentChange>().ToList();
                    await DeploymentsTable.ApplyAsync(_settings, changes, batch[^1].Ordering, CancellationToken.None);
                    return NotUsed.Instance;
                }), Backoff)
            .RunWith(Sink.Ignore<NotUsed>(), Context.Materializer());
    }
}
