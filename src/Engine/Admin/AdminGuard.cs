
namespace Engine.Admin;

/// <summary>What every request on the admin port passes before an endpoint sees it: Host, Origin, token, who asks, body
/// size; and an error that escapes an endpoint (a parameter that does not bind among them) still answers with its cause.</summary>
public static class AdminGuard
{
    public static void UseAdminGuard(this WebApplication web, AdminSettings settings)
    {
        var address = new AdminAddress(settings);
        var logger = web.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Engine.Admin");
        var token = new TokenCheck(settings.AdminToken, logger);
        web.UseWhen(c => c.Connection.LocalPort == settings.AdminPort, admin => admin.Use(async (context, next) =>
        {
            try
            {
                var refusal = HostCheck.Refuse(context, address) ?? OriginCheck.Refuse(context) ?? token.Refuse(context)
                    ?? Caller.Refuse(context) ?? await BodyLimit.ApplyAsync(context, settings.MaxRequestBodyBytes);
                if (refusal is not null) await refusal.ExecuteAsync(context);
                else await next(context);
            }
            // A query value or body the endpoint could not bind (RouteHandlerOptions.ThrowOnBadRequest), or a body
            // Kestrel could not read: the cause, not an empty 400.
            catch (BadHttpRequestException e) when (!context.RequestAborted.IsCancellationRequested && !context.Response.HasStarted)
            {
                await ApiError.Response(e.StatusCode, BindingError.Describe(context, e)).ExecuteAsync(context);
            }
            catch (Exception e) when (!context.RequestAborted.IsCancellationRequested && !context.Response.HasStarted)
            {
                logger.LogError(e, "admin request {Method} {Path} failed", context.Request.Method, context.Request.Path);
                await ApiError.Response(StatusCodes.Status500InternalServerError, ErrorText.Of(e)).ExecuteAsync(context);
            }
            catch (Exception) when (context.RequestAborted.IsCancellationRequested)
            {
                // The client went away; nobody is left to answer.
            }
        }));
    }
}
