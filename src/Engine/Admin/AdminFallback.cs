using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing.Template;

namespace Engine.Admin;

/// <summary>Admin requests no endpoint matches. The fallback matches every method and content type, so ASP.NET's own 405
/// and 415 never come: a path some endpoint takes with other methods gets 405 and the Allow header here; with its
/// method but a body that is not JSON, 415 (the endpoint only matches application/json); any other path, 404.</summary>
public static class AdminFallback
{
    private sealed record Route(TemplateMatcher Path, IReadOnlyList<string> Methods, IAcceptsMetadata? Accepts);

    public static void MapAdminFallback(this WebApplication web)
    {
        // Read on first use: every endpoint is mapped by then.
        var routes = new Lazy<IReadOnlyList<Route>>(() =>
            [.. ((IEndpointRouteBuilder)web).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
                .Where(e => e.Metadata.GetMetadata<IHttpMethodMetadata>() is not null)
                .Select(e => new Route(new TemplateMatcher(new RouteTemplate(e.RoutePattern), new RouteValueDictionary()),
                    e.Metadata.GetMetadata<IHttpMethodMetadata>()!.HttpMethods, e.Metadata.GetMetadata<IAcceptsMetadata>()))]);
        web.MapFallback(context =>
        {
            var (path, method) = (context.Request.Path, context.Request.Method);
            var matched = routes.Value.Where(r => r.Path.TryMatch(path, new RouteValueDictionary())).ToList();
            if (matched.FirstOrDefault(r => r.Methods.Contains(method) && r.Accepts is not null) is { Accepts: { } accepts })
                return ApiError.Response(StatusCodes.Status415UnsupportedMediaType, BindingError.Body(accepts, BindingError.ContentType(context)))
                    .ExecuteAsync(context);
            var allowed = matched.SelectMany(r => r.Methods).Distinct().Order().ToList();
            if (allowed.Count == 0) return ApiError.Response(StatusCodes.Status404NotFound, $"no such endpoint: {path}").ExecuteAsync(context);
            context.Response.Headers.Allow = string.Join(", ", allowed);
            return ApiError.Response(StatusCodes.Status405MethodNotAllowed, $"{path} does not take {method}: it takes {string.Join(", ", allowed)}")
                .ExecuteAsync(context);
        });
    }
}
