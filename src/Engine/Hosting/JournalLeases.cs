using Engine.Journal;
using System.Collections.Concurrent;
using System.Diagnostics;
using Akka.Actor;
using Akka.DependencyInjection;
using Akka.Event;
using Engine.Audit;

namespace Engine.Hosting;

/// <summary>This node's leases in the journal's database (<see cref="LeaseTable"/>): one heartbeat renews them all in one
/// statement, and the journal asks here before each write whether the node still holds the right to it
/// (<see cref="FencedJournal"/>). Validity is kept on the monotonic clock from the moment a renewal was sent, so a node
/// frozen past the lease's time knows it on the first instruction after it resumes, before any renewal.</summary>
public sealed class JournalLeases : IExtension
{
    /// <summary>How long a lease outlives its holder's last renewal: shorter than the split-brain resolver's decision
    /// (failure detection ~5 s + stable-after 7 s), so a dead owner's leases are free once the cluster has downed it.</summary>
    public static readonly TimeSpan TimeToLive = TimeSpan.FromSeconds(10);

    /// <summary>Renewing this often keeps a lease through several failed renewals, and lets writes resume within a
    /// second of the database's return after an outage.</summary>
    public static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(1);

    /// <summary>The local validity stops this much before the database's expiry, for clock-rate differences.</summary>
    private static readonly TimeSpan Margin = TimeSpan.FromSeconds(1);

    private readonly ConcurrentDictionary<string, JournalLease> _held = new(StringComparer.Ordinal);
    private readonly ILoggingAdapter _log;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _renewing = new(1, 1);
    private int _started;
    private bool _failing;

    public LeaseTable Table { get; }

    /// <summary>This incarnation of this node: its address and uid.</summary>
    public string Owner { get; }

    internal JournalLeases(ExtendedActorSystem system)
    {
        var settings = DependencyResolver.For(system).Resolver.GetService<EngineSettings>();
        Table = new LeaseTable(JournalDatabase.ConnectionString(settings.JournalSettings), TimeToLive);
        var self = Akka.Cluster.Cluster.Get(system).SelfUniqueAddress;
        Owner = $"{self.Address}#{self.Uid}";
        _log = Logging.GetLogger(system, typeof(JournalLeases));
        system.RegisterOnTermination(() =>
        {
            _stop.Cancel();
            _ = Table.DisposeAsync().AsTask();
        });
    }

    public static JournalLeases Get(ActorSystem system) => system.WithExtension<JournalLeases, JournalLeasesProvider>();

    /// <summary>Whether this node holds the named lease now (false once it lapsed, even before the database said so).</summary>
    public bool Holds(string name) => _held.TryGetValue(name, out var lease) && lease.CheckLease();

    internal static long ValidUntil(long sentAt) => sentAt + (long)((TimeToLive - Margin).TotalSeconds * Stopwatch.Frequency);

    internal void Held(JournalLease lease)
    {
        _held[lease.Settings.LeaseName] = lease;
        _log.Debug("Holding lease {0}", lease.Settings.LeaseName);
        if (Interlocked.Exchange(ref _started, 1) == 0) _ = Task.Run(HeartbeatAsync);
    }

    internal void Forget(JournalLease lease) => _held.TryRemove(new(lease.Settings.LeaseName, lease));

    private async Task HeartbeatAsync()
    {
        using var timer = new PeriodicTimer(Heartbeat);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token))
                await RenewNowAsync();
        }
        catch (OperationCanceledException) { }
    }

    /// <summary>One renewal of all this node's leases, now: the heartbeat's, or the journal's when a write finds its
    /// lease lapsed (the first write after a database outage must not wait for the next heartbeat). A lease the
    /// database still gives this owner is valid again; one another node took is lost.</summary>
    public async Task RenewNowAsync(TimeSpan? within = null)
    {
        if (!await _renewing.WaitAsync(within ?? Timeout.InfiniteTimeSpan, _stop.Token)) return;
        try { await RenewAsync(within ?? TimeToLive - Margin); }
        finally { _renewing.Release(); }
    }

    private async Task RenewAsync(TimeSpan within)
    {
        var sentAt = Stopwatch.GetTimestamp();
        HashSet<string> still;
        try
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            limit.CancelAfter(within);
            still = await Table.RenewAllAsync(Owner, limit.Token);
        }
        catch (Exception e) when (e is not OperationCanceledException || !_stop.IsCancellationRequested)
        {
            // The leases lapse on their own clock; the next heartbeat after the database's return renews them. A server
            // that went away (restarted, say) also killed the pooled connections of the journal and the projection: they
            // go now, so that a write after its return does not pick one up (57P01).
            if (e is Npgsql.NpgsqlException) Npgsql.NpgsqlConnection.ClearAllPools();
            if (!_failing) _log.Warning("Cannot renew this node's leases in the journal's database: {0}", e.GetBaseException().Message);
            _failing = true;
            return;
        }
        if (_failing) _log.Info("This node's leases are renewed again");
        _failing = false;
        foreach (var lease in _held.Values)
        {
            // A lease taken while the renewal ran was not in its statement's view; one released meanwhile is gone.
            if (lease.AcquiredAt > sentAt || !_held.TryGetValue(lease.Settings.LeaseName, out var current) || current != lease) continue;
            if (still.Contains(lease.Settings.LeaseName)) lease.Renewed(sentAt);
            else lease.Lost($"lease {lease.Settings.LeaseName} was taken by another node while this one could not renew it");
        }
    }
}

public sealed class JournalLeasesProvider : ExtensionIdProvider<JournalLeases>
{
    public override JournalLeases CreateExtension(ExtendedActorSystem system) => new(system);
}
