using Akka.Hosting;
using Engine.Api;
using Engine.Apps;
using Engine.Protocol;
using static Engine.Admin.AdminApi;

namespace Engine.Admin;

/// <summary>`engine apps lock|unlock`, `engine maintenance` and `engine checks`: each answers with the app's view.</summary>
public static class ControlEndpoints
{
    /// <summary>Beyond what a check may take (an hour), but within what a TimeSpan holds.</summary>
    private const double MaxSeconds = 86_400;

    public static void MapControls(this RouteGroupBuilder api, AdminSettings settings)
    {
        api.MapPost("/apps/{app}/lock", (string app, string? reason, HttpContext context, IRequiredActor<AppActor> apps) =>
            Reply(apps, new LockApp(app, reason ?? "", Caller.Of(context, settings))));
        api.MapPost("/apps/{app}/unlock", (string app, HttpContext context, IRequiredActor<AppActor> apps) =>
            Reply(apps, new UnlockApp(app, Caller.Of(context, settings))));
        api.MapPatch("/apps/{app}/maintenance", (string app, MaintenanceChange change, HttpContext context, IRequiredActor<AppActor> apps) =>
            change.On is not { } on
                ? Task.FromResult(Error(StatusCodes.Status400BadRequest, "say whether maintenance is on: {\"on\": true} or {\"on\": false}"))
                : Reply(apps, new SetMaintenance(app, on
                    ? new Maintenance(change.Message ?? Maintenance.DefaultMessage, change.RetryAfter ?? Maintenance.DefaultRetryAfter)
                    : null, Caller.Of(context, settings))));
        api.MapPatch("/apps/{app}/checks", async (string app, ChecksChange change, HttpContext context, IRequiredActor<AppActor> apps) =>
        {
            if (change.PortFrom is { } port && port.TrimStart('$') != "PORT")
                return Error(StatusCodes.Status400BadRequest, $"checks go to the container's $PORT, the port the router uses: --port-from takes only $PORT (got '{port}')");
            if (change.IntervalSeconds is < 0 or > MaxSeconds || change.TimeoutSeconds is < 0 or > MaxSeconds)
                return Error(StatusCodes.Status400BadRequest, $"interval_seconds and timeout_seconds must be 0-{MaxSeconds}");
            if (change.Off == true) return await Reply(apps, new SetChecks(app, null, Caller.Of(context, settings)));
            // What is given changes; the rest stays as set, or takes its default (a new app has none set).
            var found = await AskRaw(apps, new GetApp(app));
            if (found is not (AppView or AppError { NotFound: true })) return ToResult(found);
            var was = (found as AppView)?.Checks ?? new HealthCheck("/up", HealthCheck.DefaultInterval, HealthCheck.DefaultTimeout,
                HealthCheck.DefaultHealthy, HealthCheck.DefaultUnhealthy);
            var checks = new HealthCheck(change.Path ?? was.Path,
                change.IntervalSeconds is { } interval ? TimeSpan.FromSeconds(interval) : was.Interval,
                change.TimeoutSeconds is { } timeout ? TimeSpan.FromSeconds(timeout) : was.Timeout,
                change.Healthy ?? was.Healthy, change.Unhealthy ?? was.Unhealthy);
            return ToResult(await CreateAsync(apps, new SetChecks(app, checks, Caller.Of(context, settings)), settings));
        });
    }
}
