using Engine.Apps;

namespace Engine.Tests.Apps;

public sealed class AppStateTests
{
    private static readonly DateTimeOffset At = DateTimeOffset.Parse("2026-11-28T12:00:00Z");

    [Fact]
    public void Container_restarts_are_counted_per_deployment_and_slot_with_the_last_exit_code()
    {
        var state = new[]
        {
            new ContainerRestarted("a", "a-v1", "web-1", 137, At),
            new ContainerRestarted("a", "a-v1", "web-1", 1, At),
            new ContainerRestarted("a", "a-v1", "worker-1", null, At),
        }.Aggregate(new AppState("a"), (s, e) => s.Apply(e));

        Assert.Equal(new SlotRestarts(2, 1), state.Restarts[AppState.RestartKey("a-v1", "web-1")]);
        Assert.Equal(new SlotRestarts(1, null), state.Restarts[AppState.RestartKey("a-v1", "worker-1")]);
        Assert.False(state.Restarts.ContainsKey(AppState.RestartKey("a-v2", "web-1")));
    }
}
