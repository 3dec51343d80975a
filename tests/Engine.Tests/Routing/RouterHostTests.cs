using System.Collections.Immutable;
using System.Net;
using Engine.Containers;
using Engine.Hosting;
using Engine.Routing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Engine.Protocol;

namespace Engine.Tests.Routing;

/// <summary>Issue 6: the router matches app requests in its own pipeline, so a route change rebuilds a matcher of the
/// apps' routes only, and the admin API's endpoints and YARP's never share one.</summary>
public sealed class RouterHostTests
{
    [Fact]
    public async Task The_apps_routes_and_the_admin_endpoints_live_in_separate_pipelines()
    {
        var dataDir = Directory.CreateTempSubdirectory("engine-router-host-").FullName;
        var ports = FreePorts.Take(2);
        await using var web = EngineHost.Build(new Dictionary<string, string?>
        {
            ["Engine:DataDir"] = dataDir,
            ["Engine:AdminUrl"] = $"http://127.0.0.1:{ports[0]}",
            ["Engine:RouterUrl"] = $"http://127.0.0.1:{ports[1]}",
        });
        try
        {
            var router = web.Services.GetRequiredService<RouterHost>();
            router.Table.Publish(router.Table.Current with
            {
                Routes = ImmutableDictionary<string, AppRoute>.Empty.Add("a", new AppRoute("a", "a-v1", "v1", ["http://127.0.0.1:5001"])),
            });

            var routerEndpoints = router.Endpoints.Select(e => e.DisplayName ?? "").ToList();
            var adminEndpoints = ((IEndpointRouteBuilder)web).DataSources.SelectMany(d => d.Endpoints).Select(e => e.DisplayName ?? "").ToList();
            Assert.Contains("route-a", routerEndpoints);
            Assert.DoesNotContain(routerEndpoints, n => n.Contains("/api"));
            Assert.Contains(adminEndpoints, n => n.Contains("/api"));
            Assert.DoesNotContain("route-a", adminEndpoints);
        }
        finally { Directory.Delete(dataDir, recursive: true); }
    }

    [Fact]
    public async Task Requests_to_an_app_with_several_web_containers_go_round_robin()
    {
        var ports = FreePorts.Take(3);
        await using var one = await UpstreamAsync(ports[0], "one");
        await using var two = await UpstreamAsync(ports[1], "two");
        await using var router = new RouterHost(new EngineSettings { RouterUrl = $"http://127.0.0.1:{ports[2]}" });
        await router.StartAsync(CancellationToken.None);
        router.Table.Publish(router.Table.Current with
        {
            Routes = ImmutableDictionary<string, AppRoute>.Empty.Add("a",
                new AppRoute("a", "a-v1", "v1", [$"http://127.0.0.1:{ports[0]}", $"http://127.0.0.1:{ports[1]}"])),
        });

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ports[2]}") };
        var answers = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/") { Headers = { Host = "a.localhost" } };
            using var response = await http.SendAsync(request);
            answers.Add(await response.Content.ReadAsStringAsync());
        }

        // Round robin alternates; YARP without its load-balancing step would pick at random.
        Assert.All(answers.Zip(answers.Skip(1)), pair => Assert.NotEqual(pair.Item1, pair.Item2));
        Assert.Equal(5, answers.Count(a => a == "one"));
        await router.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_destination_that_stops_answering_leaves_after_a_few_failures_and_one_alone_is_still_tried()
    {
        var ports = FreePorts.Take(3);
        await using var one = await UpstreamAsync(ports[0], "one");
        // ports[1]: nobody listens, as when a worker's host is gone.
        await using var router = new RouterHost(new EngineSettings { RouterUrl = $"http://127.0.0.1:{ports[2]}" });
        await router.StartAsync(CancellationToken.None);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ports[2]}") };
        async Task<IReadOnlyList<HttpStatusCode>> Send(int count)
        {
            var codes = new List<HttpStatusCode>();
            for (var i = 0; i < count; i++)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "/") { Headers = { Host = "a.localhost" } };
                using var response = await http.SendAsync(request);
                codes.Add(response.StatusCode);
            }
            return codes;
        }

        router.Table.Publish(router.Table.Current with
        {
            Routes = ImmutableDictionary<string, AppRoute>.Empty.Add("a",
                new AppRoute("a", "a-v1", "v1", [$"http://127.0.0.1:{ports[0]}", $"http://127.0.0.1:{ports[1]}"])),
        });
        // Round robin sends every other request to the dead one until it failed Limit times in a row: then none.
        var codes = await Send(100);
        Assert.Equal(FailuresInARowPolicy.Limit, codes.Count(c => c != HttpStatusCode.OK));
        Assert.All(codes.Skip(2 * FailuresInARowPolicy.Limit), c => Assert.Equal(HttpStatusCode.OK, c));

        // Alone and out, it is tried all the same (YARP's panic mode): it serves again the moment it answers.
        router.Table.Publish(router.Table.Current with
        {
            Routes = ImmutableDictionary<string, AppRoute>.Empty.Add("a", new AppRoute("a", "a-v2", "v2", [$"http://127.0.0.1:{ports[1]}"])),
        });
        Assert.All(await Send(2 * FailuresInARowPolicy.Limit), c => Assert.Equal(HttpStatusCode.BadGateway, c));
        await using var back = await UpstreamAsync(ports[1], "back");
        Assert.All(await Send(3), c => Assert.Equal(HttpStatusCode.OK, c));
        await router.StopAsync(CancellationToken.None);
    }

    private static async Task<WebApplication> UpstreamAsync(int port, string answer)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        app.MapGet("/", () => answer);
        await app.StartAsync();
        return app;
    }
}
