using System.Collections.Immutable;
using Engine.Containers;
using Engine.Hosting;
using Engine.Routing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

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
}
