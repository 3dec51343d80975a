using Engine.Audit;
using Engine.Protocol;

namespace Engine.Tests.Audit;

public sealed class RouteHistoryTests
{
    private static readonly DateTimeOffset Noon = DateTimeOffset.Parse("2026-11-26T12:00:00Z");

    private static DateTimeOffset Minute(int m) => Noon.AddMinutes(m);

    private static JournalEvent Routed(string app, long seq, int version, int minute) => new($"app-{app}", seq, Minute(minute),
        new DeploymentRouted(app, $"{app}-v{version}", version,
            [ContainerSpec.For(app, $"{app}-v{version}", $"v{version}", "img", "web", 1, "serve", new Dictionary<string, string>(), 5000)],
            Minute(minute), []));

    /// <summary>shop: v1 routed at 10, v2 failed in between (no route), v3 at 30; blog's routes fall in between.</summary>
    private static readonly IReadOnlyList<JournalEvent> Events =
    [
        new("app-shop", 1, Minute(1), new EnvChanged("shop", new Dictionary<string, string> { ["A"] = "1" }, [], Minute(1))),
        Routed("shop", 2, 1, 10),
        Routed("blog", 1, 1, 15),
        new("app-shop", 3, Minute(20), new DeploymentEnded("shop", "shop-v2", "hook-error", Minute(20), Minute(20))),
        Routed("blog", 2, 2, 25),
        Routed("shop", 4, 3, 30),
        Routed("blog", 3, 3, 35),
    ];

    [Fact]
    public void Before_the_first_route_nothing_serves_the_app_until_it_comes()
    {
        Assert.Equal(new RouteAt("shop", Minute(5), null, null, null, Minute(10), null), RouteHistory.At(Events, "shop", Minute(5)));
    }

    [Fact]
    public void Exactly_at_a_switch_the_new_deployment_serves()
    {
        Assert.Equal(new RouteAt("shop", Minute(30), "shop-v3", "v3", Minute(30), null, "shop-v1"), RouteHistory.At(Events, "shop", Minute(30)));
        Assert.Equal(new RouteAt("shop", Minute(10), "shop-v1", "v1", Minute(10), Minute(30), null), RouteHistory.At(Events, "shop", Minute(10)));
    }

    [Fact]
    public void Between_two_switches_the_earlier_serves_until_the_later()
    {
        Assert.Equal(new RouteAt("shop", Minute(29), "shop-v1", "v1", Minute(10), Minute(30), null), RouteHistory.At(Events, "shop", Minute(29)));
    }

    [Fact]
    public void After_the_last_switch_it_still_serves_with_the_one_before_it_named()
    {
        Assert.Equal(new RouteAt("shop", Minute(90), "shop-v3", "v3", Minute(30), null, "shop-v1"), RouteHistory.At(Events, "shop", Minute(90)));
    }

    [Fact]
    public void Another_apps_routes_are_ignored()
    {
        Assert.Equal(new RouteAt("blog", Minute(26), "blog-v2", "v2", Minute(25), Minute(35), "blog-v1"), RouteHistory.At(Events, "blog", Minute(26)));
    }

    [Fact]
    public void An_app_never_routed_has_no_route_and_an_app_the_journal_never_saw_has_no_answer()
    {
        var wiki = Events.Append(new JournalEvent("app-wiki", 1, Minute(2), new EnvChanged("wiki", new Dictionary<string, string> { ["A"] = "1" }, [], Minute(2))))
            .ToList();
        Assert.Equal(new RouteAt("wiki", Minute(26), null, null, null, null, null), RouteHistory.At(wiki, "wiki", Minute(26)));
        Assert.Null(RouteHistory.At(Events, "wiki", Minute(26)));
    }
}
