using System.Collections.Immutable;
using Yarp.ReverseProxy.Model;

namespace Engine.Routing;

/// <summary>Wakes a drain when the last request in flight to the destinations it waits on ends. YARP counts requests
/// per destination but raises no event, so the proxy pipeline reports each finished request here; with no drain
/// waiting that costs one read.</summary>
public sealed class DrainWatch
{
    private ImmutableList<Waiter> _waiters = ImmutableList<Waiter>.Empty;

    /// <summary>Completes when none of the destinations has a request in flight, or when the grace period is over.</summary>
    public async Task WaitAsync(IReadOnlyList<DestinationState> destinations, TimeSpan grace)
    {
        var waiter = new Waiter(destinations);
        ImmutableInterlocked.Update(ref _waiters, (list, w) => list.Add(w), waiter);
        try
        {
            // Checked after registering, so a request that ends in between still wakes us.
            if (waiter.Drained) return;
            await waiter.Done.Task.WaitAsync(grace);
        }
        catch (TimeoutException)
        {
            // The grace period is over: what is still in flight gets cut when the container stops.
        }
        finally
        {
            ImmutableInterlocked.Update(ref _waiters, (list, w) => list.Remove(w), waiter);
        }
    }

    /// <summary>Called by the proxy pipeline after a request to the destination has ended.</summary>
    public void Ended(DestinationState destination)
    {
        var waiters = Volatile.Read(ref _waiters);
        if (waiters.IsEmpty) return;
        foreach (var waiter in waiters)
            if (waiter.Destinations.Contains(destination) && waiter.Drained) waiter.Done.TrySetResult();
    }

    private sealed class Waiter(IReadOnlyList<DestinationState> destinations)
    {
        public IReadOnlyList<DestinationState> Destinations { get; } = destinations;
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public bool Drained => Destinations.All(d => d.ConcurrentRequestCount == 0);
    }
}
