using Akka.Hosting;
using Engine.Api;
using Engine.Apps;
using Engine.Protocol;
using static Engine.Admin.AdminApi;

namespace Engine.Admin;

/// <summary>`engine apps lock|unlock` and `engine maintenance`: each answers with the app's view.</summary>
public static class ControlEndpoints
{
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
    }
}
