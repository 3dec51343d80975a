using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.Model;

namespace Engine.Routing;

/// <summary>The router's own Kestrel pipeline, apart from the admin API's: its matcher holds only the apps' routes, so
/// a route change rebuilds a small matcher, and a proxied request passes no admin middleware. It starts and stops
/// with the engine's host.</summary>
public sealed class RouterHost : IHostedService, IAsyncDisposable
{
    private readonly WebApplication _web;

    public RouteTable Table { get; }
    public DrainWatch Drains { get; } = new();

    /// <summary>What the router pipeline matches requests against: the apps' routes and the fallback.</summary>
    public IEnumerable<Endpoint> Endpoints => ((IEndpointRouteBuilder)_web).DataSources.SelectMany(d => d.Endpoints);

    public RouterHost(RouterSettings settings)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseUrls(settings.RouterUrl);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = null; // app requests stream through to the app
            k.AddServerHeader = false; // the app's own Server header is forwarded
        });
        // Continuations run on the socket's own thread instead of hopping to the thread pool: the pipeline never
        // blocks, and on few cores the hop cost more than the proxying.
        builder.WebHost.UseSockets(s => s.UnsafePreferInlineScheduling = true);
        // With this category enabled at any level, ASP.NET Core starts an Activity and a log scope for every request.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
        builder.Services.AddReverseProxy().LoadFromMemory([], [])
            // No trace headers to propagate: this drops HttpClient's diagnostics handler from every proxied request.
            .ConfigureHttpClient((_, handler) => handler.ActivityHeadersPropagator = null);
        builder.Services.AddSingleton<IPassiveHealthCheckPolicy, FailuresInARowPolicy>();
        _web = builder.Build();
        Table = new RouteTable(_web.Services.GetRequiredService<InMemoryConfigProvider>(),
            _web.Services.GetRequiredService<IProxyStateLookup>(), settings);

        var drains = Drains;
        _web.MapReverseProxy(proxy =>
        {
            proxy.Use(async (context, next) =>
            {
                try { await next(); }
                finally
                {
                    // YARP has decremented the destination's in-flight count by now: a drain waiting on it may be over.
                    if (context.GetReverseProxyFeature().ProxiedDestination is { } destination) drains.Ended(destination);
                }
            });
            // A custom pipeline replaces YARP's default one: keep its steps, or the cluster's round robin is ignored.
            proxy.UseSessionAffinity();
            proxy.UseLoadBalancing();
            proxy.UsePassiveHealthChecks();
        });
        _web.MapRouterFallback(settings, Table);
    }

    public Task StartAsync(CancellationToken cancellationToken) => _web.StartAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => _web.StopAsync(cancellationToken);

    public ValueTask DisposeAsync() => _web.DisposeAsync();
}
