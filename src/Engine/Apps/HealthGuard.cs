using System.Collections.Immutable;

namespace Engine.Apps;

/// <summary>Which of the routed release's web containers (by slot) are unhealthy, and which of those are out of the route.
/// Every unhealthy one is out, unless that would leave no healthy one in the route: then those already out stay out and
/// the rest keep serving, so a shared dependency's outage does not become a full outage.</summary>
public sealed record HealthGuard(ImmutableHashSet<string> Unhealthy, ImmutableHashSet<string> Out)
{
    public static readonly HealthGuard AllHealthy = new([], []);

    /// <summary>After a container's health changed: the new state, and the slots to take out of and put back in the route.</summary>
    public (HealthGuard Next, IReadOnlyList<string> TakeOut, IReadOnlyList<string> PutBack) Decide(string slot, bool healthy,
        IReadOnlyCollection<string> webs)
    {
        var unhealthy = (healthy ? Unhealthy.Remove(slot) : Unhealthy.Add(slot)).Intersect(webs);
        var @out = webs.Any(w => !unhealthy.Contains(w)) ? unhealthy : Out.Intersect(unhealthy);
        return (new HealthGuard(unhealthy, @out), @out.Except(Out).Order().ToList(), Out.Except(@out).Order().ToList());
    }

    /// <summary>A container being replaced: the keeper takes it out and puts the new one back; it starts healthy.</summary>
    public HealthGuard Replacing(string slot) => new(Unhealthy.Remove(slot), Out.Remove(slot));
}
