using System.Diagnostics;
using Akka.Actor;
using Akka.Coordination;

namespace Engine.Hosting;

/// <summary>Akka.Coordination's lease for sharding (coordinator and shards) and the cluster singletons, kept in the
/// journal's database (see <see cref="JournalLeases"/>): an island or a resumed, downed node cannot take or keep the
/// right to write an app's history while another node holds it.</summary>
public sealed class JournalLease : Lease
{
    private readonly JournalLeases _leases;
    private long _validUntil; // Stopwatch ticks; 0: not held
    private Action<Exception>? _lost;

    internal long AcquiredAt { get; private set; } = long.MaxValue;

    public JournalLease(LeaseSettings settings, ExtendedActorSystem system) : base(settings) => _leases = JournalLeases.Get(system);

    public override Task<bool> Acquire() => Acquire(_ => { });

    public override async Task<bool> Acquire(Action<Exception> leaseLostCallback)
    {
        var sentAt = Stopwatch.GetTimestamp();
        using var limit = new CancellationTokenSource(Settings.TimeoutSettings.OperationTimeout);
        if (!await _leases.Table.TryAcquireAsync(Settings.LeaseName, _leases.Owner, limit.Token)) return false;
        _lost = leaseLostCallback;
        AcquiredAt = sentAt;
        Renewed(sentAt);
        _leases.Held(this);
        return true;
    }

    public override async Task<bool> Release()
    {
        Volatile.Write(ref _validUntil, 0);
        _leases.Forget(this);
        using var limit = new CancellationTokenSource(Settings.TimeoutSettings.OperationTimeout);
        await _leases.Table.ReleaseAsync(Settings.LeaseName, _leases.Owner, limit.Token);
        return true;
    }

    public override bool CheckLease() => Stopwatch.GetTimestamp() < Volatile.Read(ref _validUntil);

    internal void Renewed(long sentAt) => Volatile.Write(ref _validUntil, JournalLeases.ValidUntil(sentAt));

    internal void Lost(string why)
    {
        Volatile.Write(ref _validUntil, 0);
        _leases.Forget(this);
        Interlocked.Exchange(ref _lost, null)?.Invoke(new LeaseException(why));
    }
}
