using System.Collections.Immutable;
using Akka.Configuration;
using Akka.Event;
using Akka.Persistence;
using Akka.Persistence.Sql.Journal;
using Engine.Apps;
using Engine.Runs;
using Engine.Deployments;
using Engine.Protocol;

namespace Engine.Hosting;

/// <summary>The SQL journal, writing a persistence id only while this node holds the lease that gives the right to it
/// (<see cref="RequiredLease"/>): the app's shard, the shard coordinator. A node frozen past
/// its lease, or an island that formed beside the cluster, has its writes rejected before they reach the table, even
/// in the instant before sharding hears that the lease is lost.</summary>
public sealed class FencedJournal(Config config) : SqlWriteJournal(config)
{
    private readonly JournalLeases _leases = JournalLeases.Get(Context.System);
    private readonly string _system = Context.System.Name;
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private static readonly TimeSpan RenewalWait = TimeSpan.FromSeconds(2);

    protected override async Task<IImmutableList<Exception>> WriteMessagesAsync(IEnumerable<AtomicWrite> messages,
        CancellationToken cancellationToken)
    {
        var writes = messages.ToList();
        var refused = Refusals(writes);
        if (refused.Any(r => r is not null))
        {
            // A lease may only have lapsed (the database was down, or this node paused): the database says whose it is.
            // Waited for here, bounded, and only then: the plugin's write needs this actor's context, which an await
            // would leave.
            _leases.RenewNowAsync(RenewalWait).GetAwaiter().GetResult();
            refused = Refusals(writes);
        }
        if (refused.All(r => r is null)) return await base.WriteMessagesAsync(writes, cancellationToken);
        foreach (var r in refused.OfType<LeaseLostException>()) _log.Warning(r.Message);
        var allowed = writes.Where((_, i) => refused[i] is null).ToList();
        var written = allowed.Count == 0 ? null : await base.WriteMessagesAsync(allowed, cancellationToken);
        // Akka's contract: one entry per write, null for a write that succeeded.
        var results = new Exception[writes.Count];
        for (int i = 0, a = 0; i < writes.Count; i++)
            results[i] = refused[i] ?? (written is null || written.Count == 0 ? null! : written[a++]);
        return results.ToImmutableList();
    }

    private List<LeaseLostException?> Refusals(List<AtomicWrite> writes) =>
        writes.Select(w => RequiredLease(_system, w.PersistenceId) is { } lease && !_leases.Holds(lease)
            ? new LeaseLostException(w.PersistenceId, lease) : null).ToList();

    /// <summary>The lease (as Akka's sharding and singletons name theirs) without which this node must not write the
    /// persistence id; null for ids that belong to one node (its operator log).</summary>
    public static string? RequiredLease(string system, string persistenceId)
    {
        const string region = AppMessageExtractor.RegionName;
        string Shard(string app) => $"{system}-shard-{region}-{AppMessageExtractor.ShardOf(app)}";
        return persistenceId switch
        {
            // Nothing writes the old registry's stream now: no node holds its lease, so none can.
            AppsIndex.LegacyRegistry => $"{system}-singleton-akka://{system}/user/{AppsIndex.LegacyRegistry}",
            _ when persistenceId.StartsWith($"/system/sharding/{region}Coordinator/", StringComparison.Ordinal) =>
                $"{system}-singleton-akka://{system}/system/sharding/{region}Coordinator",
            _ when persistenceId.StartsWith($"/sharding/{region}Shard/", StringComparison.Ordinal) =>
                $"{system}-shard-{region}-{persistenceId[$"/sharding/{region}Shard/".Length..]}",
            _ when persistenceId.StartsWith(AppActor.PersistencePrefix, StringComparison.Ordinal) =>
                Shard(persistenceId[AppActor.PersistencePrefix.Length..]),
            _ when persistenceId.StartsWith(DeploymentActor.PersistencePrefix, StringComparison.Ordinal)
                   && DeploymentId.Parse(persistenceId[DeploymentActor.PersistencePrefix.Length..]) is { } id => Shard(id.App),
            _ when persistenceId.StartsWith(RunsActor.PersistencePrefix, StringComparison.Ordinal) =>
                Shard(persistenceId[RunsActor.PersistencePrefix.Length..]),
            _ => null,
        };
    }
}

/// <summary>A write refused because this node no longer holds the lease for it.</summary>
public sealed class LeaseLostException(string persistenceId, string lease)
    : Exception($"{persistenceId} is not written: this node does not hold lease {lease} (another node may own it now)");
