using System.Net;
using System.Text.Json;
using Engine.Protocol;
using Microsoft.Net.Http.Headers;

namespace Engine.Routing;

/// <summary>What a router answers for an app in maintenance: 503 with Retry-After, as JSON when the request prefers it
/// (an API client), else a small HTML page.</summary>
public static class MaintenancePage
{
    public static Task WriteAsync(HttpContext context, string app, Maintenance mode)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        response.Headers.RetryAfter = mode.RetryAfter.ToString();
        response.Headers.CacheControl = "no-store";
        if (PrefersJson(context.Request))
        {
            response.ContentType = "application/json; charset=utf-8";
            return response.WriteAsync(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["error"] = "maintenance", ["app"] = app, ["message"] = mode.Message, ["retry_after"] = mode.RetryAfter,
            }));
        }
        response.ContentType = "text/html; charset=utf-8";
        var message = WebUtility.HtmlEncode(mode.Message);
        return response.WriteAsync($"""
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{WebUtility.HtmlEncode(app)}: maintenance</title></head>
            <body style="font-family: system-ui, sans-serif; max-width: 40em; margin: 4em auto; padding: 0 1em">
            <h1>Down for maintenance</h1>
            <p>{message}</p>
            </body></html>

            """);
    }

    /// <summary>Whether the Accept header rates JSON above HTML (no Accept, or */*, gets the page).</summary>
    private static bool PrefersJson(HttpRequest request)
    {
        if (!MediaTypeHeaderValue.TryParseList(request.Headers.Accept, out var accepted)) return false;
        double Quality(string type) => accepted.Where(a => a.MediaType.Equals(type, StringComparison.OrdinalIgnoreCase))
            .Select(a => a.Quality ?? 1).DefaultIfEmpty(0).Max();
        return Quality("application/json") > Quality("text/html");
    }
}
