using Engine.Apps;
using Engine.Containers;
using Engine.Protocol;

namespace Engine.Tests.Apps;

/// <summary>The pure rules of health after a deployment: <see cref="HealthGuard"/> (which unhealthy containers leave the
/// route) and <see cref="HealthCount"/> (when a run of answers changes a container's health).</summary>
public sealed class HealthGuardTests
{
    private static readonly string[] Webs = ["web-1", "web-2", "web-3"];

    [Fact]
    public void An_unhealthy_container_leaves_the_route_while_a_healthy_one_is_left_and_comes_back_when_healthy()
    {
        var (one, takeOut, putBack) = HealthGuard.AllHealthy.Decide("web-1", healthy: false, Webs);
        Assert.Equal(["web-1"], takeOut);
        Assert.Empty(putBack);
        var (two, takeOut2, _) = one.Decide("web-2", healthy: false, Webs);
        Assert.Equal(["web-2"], takeOut2);
        Assert.Equal(["web-1", "web-2"], two.Out.Order());
        var (back, _, putBack3) = two.Decide("web-1", healthy: true, Webs);
        Assert.Equal(["web-1"], putBack3);
        Assert.Equal(["web-2"], back.Out);
    }

    [Fact]
    public void When_every_container_is_failing_the_last_ones_in_the_route_stay_and_leave_once_another_is_healthy()
    {
        var state = HealthGuard.AllHealthy;
        foreach (var slot in new[] { "web-1", "web-2" }) state = state.Decide(slot, false, Webs).Next;
        var (all, takeOut, _) = state.Decide("web-3", healthy: false, Webs);
        Assert.Empty(takeOut); // the last one in the route keeps serving
        Assert.Equal(["web-1", "web-2"], all.Out.Order());
        var (recovered, takeOut2, putBack) = all.Decide("web-1", healthy: true, Webs);
        Assert.Equal(["web-3"], takeOut2);
        Assert.Equal(["web-1"], putBack);
        Assert.Equal(["web-2", "web-3"], recovered.Out.Order());
        // A lone container is never taken out.
        Assert.Empty(HealthGuard.AllHealthy.Decide("web-1", false, ["web-1"]).TakeOut);
        // One being replaced starts healthy and in the route.
        Assert.Equal(["web-3"], recovered.Replacing("web-2").Out);
    }

    [Fact]
    public void Health_changes_after_unhealthy_failures_in_a_row_and_back_after_healthy_good_answers()
    {
        var checks = new HealthCheck("/up", TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), Healthy: 2, Unhealthy: 3);
        var count = HealthCount.Up.After(false, checks).After(false, checks).After(true, checks).After(false, checks).After(false, checks);
        Assert.True(count.Healthy); // the good answer broke the run
        count = count.After(false, checks);
        Assert.Equal(new HealthCount(false, 0), count);
        count = count.After(true, checks).After(false, checks).After(true, checks);
        Assert.False(count.Healthy);
        Assert.Equal(HealthCount.Up, count.After(true, checks));
    }
}
