using System.Runtime.CompilerServices;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Model;

namespace Engine.Routing;

/// <summary>YARP's passive health check policy of the routers: a destination whose last <see cref="Limit"/> requests got
/// no response (refused, reset, timed out) leaves its cluster for the reactivation period, then gets traffic again.
/// YARP's own TransportFailureRate computes a rate over a window, so a container that served thousands of requests a
/// moment ago would fail hundreds more before it tripped. It never logs per request: only a destination taken out.</summary>
public sealed class FailuresInARowPolicy(IDestinationHealthUpdater health, ILogger<FailuresInARowPolicy> log) : IPassiveHealthCheckPolicy
{
    public const string PolicyName = "FailuresInARow";
    /// <summary>More than one, so that a lone reset (a keep-alive connection the app closed) takes nothing out.</summary>
    public const int Limit = 3;
    public static readonly TimeSpan Reactivation = TimeSpan.FromSeconds(5);
    private readonly ConditionalWeakTable<DestinationState, StrongBox<int>> _failures = new();

    public string Name => PolicyName;

    public void RequestProxied(HttpContext context, ClusterState cluster, DestinationState destination)
    {
        var failures = _failures.GetOrCreateValue(destination);
        // Only the destination's side counts: a client that went away says nothing about the container.
        if (context.Features.Get<IForwarderErrorFeature>()?.Error is not (ForwarderError.Request or ForwarderError.RequestTimedOut))
        {
            if (failures.Value != 0) failures.Value = 0;
            return;
        }
        if (Interlocked.Increment(ref failures.Value) < Limit) return;
        failures.Value = 0;
        var period = cluster.Model.Config.HealthCheck?.Passive?.ReactivationPeriod ?? Reactivation;
        log.LogWarning("{Cluster}: {Address} did not answer {Limit} requests in a row; out of the route for {Seconds} s",
            cluster.ClusterId, destination.Model.Config.Address, Limit, period.TotalSeconds);
        health.SetPassive(cluster, destination, DestinationHealth.Unhealthy, period);
    }
}
