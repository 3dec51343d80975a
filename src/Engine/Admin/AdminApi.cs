using Akka.Actor;
using Akka.Hosting;
using Engine.Apps;
using Engine.Audit;
using Engine.Containers;
using Engine.Deployments;
using Engine.Hosting;

namespace Engine.Admin;

/// <summary>The node's admin HTTP API, served on --admin-url only; the CLI is its client.</summary>
public static class AdminApi
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(15);

    public static void MapAdminApi(this WebApplication web, EngineSettings settings)
    {
        // The Host header picks the group; the filter makes sure the request really came in on the admin port.
        var api = web.MapGroup("/api").RequireHost($"*:{settings.AdminPort}")
            .AddEndpointFilter((context, next) => context.HttpContext.Connection.LocalPort == settings.AdminPort
                ? next(context)
                : ValueTask.FromResult<object?>(Error(StatusCodes.Status404NotFound, "not found")));

        api.MapGet("/apps", (IRequiredActor<AppsRegistryActor> apps) =>
            Reply(apps, ListApps.Instance));
        api.MapGet("/apps/{app}", (string app, IRequiredActor<AppsRegistryActor> apps) =>
            Reply(apps, new GetApp(app)));
        api.MapPost("/apps/{app}/deployments", Upload);
        api.MapGet("/apps/{app}/deployments", (string app, IRequiredActor<AppsRegistryActor> apps) =>
            Reply(apps, new GetDeployments(app)));
        api.MapGet("/deployments/{id}", (string id, IRequiredActor<AppsRegistryActor> apps) =>
            DeploymentAsk(apps, id, view => Results.Json(view, ApiJson.Options)));
        api.MapGet("/deployments/{id}/logs", (string id, long? offset, IRequiredActor<AppsRegistryActor> apps) =>
            DeploymentAsk(apps, id, _ => Logs(settings.LogPath(id), offset ?? 0)));
        api.MapGet("/apps/{app}/env", (string app, IRequiredActor<AppsRegistryActor> apps) =>
            Reply(apps, new GetEnv(app)));
        api.MapPatch("/apps/{app}/env", (string app, EnvChange change, IRequiredActor<AppsRegistryActor> apps) =>
            Reply(apps, new ChangeEnv(app, change.Set ?? [], change.Unset ?? [])));
        api.MapGet("/apps/{app}/ps", async (string app, IRequiredActor<AppsRegistryActor> apps, IContainerRuntime runtime) =>
        {
            var found = await AskRaw(apps, new GetApp(app));
            if (found is not AppView) return ToResult(found);
            try
            {
                var containers = await runtime.ListAsync(app, CancellationToken.None);
                return Results.Json(containers.OrderBy(c => c.Version).ThenBy(c => c.Slot).Select(c =>
                    new ContainerView(c.Type, c.Slot, c.Version, c.State, c.DeploymentId, c.Id[..12], c.Name)), ApiJson.Options);
            }
            catch (ContainerRuntimeException e) { return Error(StatusCodes.Status503ServiceUnavailable, e.Message); }
        });
        api.MapGet("/apps/{app}/audit", async (string app, IRequiredActor<AppsRegistryActor> apps, ActorSystem system) =>
        {
            var found = await AskRaw(apps, new GetApp(app));
            return found is AppView
                ? Results.Json(await AuditLog.ForAppAsync(system, app), ApiJson.Options)
                : ToResult(found);
        });
    }

    private static async Task<IResult> Upload(string app, HttpRequest request, EngineSettings settings,
        IRequiredActor<AppsRegistryActor> apps)
    {
        if (AppName.Validate(app) is { } invalid) return Error(StatusCodes.Status400BadRequest, invalid);
        var limit = settings.MaxUploadBytes;
        if (request.ContentLength > limit) return TooLarge(request.ContentLength.Value, limit);
        var path = settings.NewUploadPath();
        long total = 0;
        await using (var file = File.Create(path))
        {
            var buffer = new byte[81920];
            int read;
            while ((read = await request.Body.ReadAsync(buffer)) > 0)
            {
                total += read;
                if (total > limit)
                {
                    file.Close();
                    File.Delete(path);
                    return TooLarge(total, limit);
                }
                await file.WriteAsync(buffer.AsMemory(0, read));
            }
        }
        if (total == 0)
        {
            File.Delete(path);
            return Error(StatusCodes.Status400BadRequest, "the upload is empty: send the app directory as a tar archive");
        }
        var reply = await AskRaw(apps, new CreateDeployment(app, path));
        if (reply is AppError) File.Delete(path); // after a timeout the deployment may still be created and need it
        return reply is DeploymentView view
            ? Results.Json(view, ApiJson.Options, statusCode: StatusCodes.Status201Created)
            : ToResult(reply);
    }

    private static IResult TooLarge(long size, long limit) => Error(StatusCodes.Status413PayloadTooLarge,
        $"the upload is over the size limit of {limit} bytes ({size}+ bytes sent)");

    private static IResult Logs(string path, long offset)
    {
        var bytes = File.Exists(path) ? File.ReadAllBytes(path) : [];
        var from = (int)Math.Clamp(offset, 0, bytes.Length);
        return new LogChunk(bytes[from..], bytes.Length);
    }

    private sealed class LogChunk(byte[] data, long next) : IResult
    {
        public Task ExecuteAsync(HttpContext context)
        {
            context.Response.Headers["X-Next-Offset"] = next.ToString();
            context.Response.ContentType = "text/plain; charset=utf-8";
            return context.Response.Body.WriteAsync(data).AsTask();
        }
    }

    private static async Task<IResult> DeploymentAsk(IRequiredActor<AppsRegistryActor> apps, string id,
        Func<DeploymentView, IResult> onFound)
    {
        if (DeploymentState.ParseId(id) is not { } parsed)
            return Error(StatusCodes.Status404NotFound, $"deployment '{id}' not found");
        var reply = await AskRaw(apps, new GetDeployment(parsed.App, id));
        return reply is DeploymentView view ? onFound(view) : ToResult(reply);
    }

    private static async Task<IResult> Reply(IRequiredActor<AppsRegistryActor> apps, object message) =>
        ToResult(await AskRaw(apps, message));

    private static async Task<object> AskRaw(IRequiredActor<AppsRegistryActor> apps, object message)
    {
        try
        {
            return await (await apps.GetAsync()).Ask<object>(message, AskTimeout);
        }
        catch (AskTimeoutException e)
        {
            return new Status.Failure(e);
        }
    }

    private static IResult ToResult(object reply) => reply switch
    {
        AppError { NotFound: true } e => Error(StatusCodes.Status404NotFound, e.Error),
        AppError { Unavailable: true } e => Error(StatusCodes.Status503ServiceUnavailable, e.Error),
        AppError e => Error(StatusCodes.Status400BadRequest, e.Error),
        Status.Failure { Cause: AskTimeoutException } => Error(StatusCodes.Status503ServiceUnavailable, "the engine did not answer in time"),
        Status.Failure f => Error(StatusCodes.Status500InternalServerError, f.Cause.Message),
        _ => Results.Json(reply, ApiJson.Options),
    };

    private static IResult Error(int status, string message) => Results.Json(new ApiError(message), ApiJson.Options, statusCode: status);
}
