
namespace Engine.Routing;

public static class RouterEndpoints
{
    /// <summary>Requests YARP has no route for: a clear 503 that says why.</summary>
    public static void MapRouterFallback(this WebApplication web, RouterSettings settings, RouteTable table) =>
        // Every path, file-like ones (/favicon.ico) too: the default fallback pattern leaves those out.
        web.MapFallback("{**path}", async context =>
        {
            var host = context.Request.Host.Host;
            var app = table.AppFor(host);
            if (app is not null && table.Current.Maintenance.TryGetValue(app, out var maintenance))
            {
                await MaintenancePage.WriteAsync(context, app, maintenance);
                return;
            }
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.ContentType = "text/plain; charset=utf-8";
            await context.Response.WriteAsync(
                app is null ? $"503: no app is served at '{host}'; use APP.{settings.Domain}\n"
                : table.Current.Routes.GetValueOrDefault(app) is { } route
                    ? route.Endpoints.Count == 0 ? $"503: app '{app}' runs no web process\n"
                    : route.AllDown ? $"503: app '{app}' has no live web container right now (it is being restarted)\n"
                    : $"503: app '{app}' is changing its route; retry\n"
                : table.Current.KnownApps.Contains(app) ? $"503: app '{app}' has no routed version yet (no successful deployment)\n"
                : $"503: unknown app '{app}'\n");
        });
}
