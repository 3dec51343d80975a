using System.ComponentModel;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Metadata;

namespace Engine.Admin;

/// <summary>A request ASP.NET could not bind to its endpoint's parameters (a query value not of its type, a body that is
/// not the JSON the endpoint takes), as one line that names the parameter and what it must be. Minimal APIs answer these
/// with an empty 400 unless RouteHandlerOptions.ThrowOnBadRequest is set; AdminGuard catches the exception instead.</summary>
public static class BindingError
{
    /// <summary>The query parameters' types the admin API takes, and how ASP.NET parses them.</summary>
    private static readonly Dictionary<Type, (string Kind, Func<string, bool> Parses)> Kinds = new()
    {
        [typeof(int)] = ($"a whole number from {int.MinValue} to {int.MaxValue}",
            v => int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out _)),
        [typeof(long)] = ($"a whole number from {long.MinValue} to {long.MaxValue}",
            v => long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out _)),
        [typeof(double)] = ("a number such as 2.5", v => double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out _)),
        [typeof(bool)] = ("true or false", v => bool.TryParse(v, out _)),
    };

    public static string Describe(HttpContext context, BadHttpRequestException e)
    {
        var endpoint = context.GetEndpoint();
        foreach (var p in endpoint?.Metadata.GetMetadata<MethodInfo>()?.GetParameters() ?? [])
            if (Kinds.TryGetValue(Nullable.GetUnderlyingType(p.ParameterType) ?? p.ParameterType, out var kind)
                && context.Request.Query.TryGetValue(p.Name!, out var given) && !kind.Parses(given.ToString()))
                return $"the query parameter '{p.Name}' must be {kind.Kind}, got '{given}'";
        if (endpoint?.Metadata.GetMetadata<IAcceptsMetadata>() is not { RequestType: not null } accepts) return e.Message;
        return Body(accepts, e.StatusCode == StatusCodes.Status415UnsupportedMediaType ? ContentType(context)
            : e.InnerException is JsonException json ? Detail(json)
            : BodyLimit.HasBody(context.Request) ? e.Message // e.g. cut off while it was read
            : "got none");
    }

    /// <summary>What the endpoint's body must be (its record's description), and what was wrong with the one sent.</summary>
    public static string Body(IAcceptsMetadata accepts, string detail) =>
        $"the request body must be JSON (application/json) such as "
        + $"{accepts.RequestType?.GetCustomAttribute<DescriptionAttribute>()?.Description ?? "an object"}: {detail}";

    public static string ContentType(HttpContext context) =>
        context.Request.ContentType is { Length: > 0 } type ? $"got Content-Type '{type}'" : "got no body (or no Content-Type)";

    /// <summary>Where the JSON went wrong and, for a number or flag, what it must be there.</summary>
    private static string Detail(JsonException e)
    {
        var at = e.Path is null or "$" ? "" : e.Path.TrimStart('$', '.');
        // System.Text.Json names the target type only in its message ("could not be converted to System.Int32").
        var kind = Kinds.FirstOrDefault(k => e.Message.Contains($"converted to {k.Key.FullName}", StringComparison.Ordinal)).Value.Kind;
        if (kind is not null && at.Length > 0) return $"{at} must be {kind}";
        var message = e.Message.Split(" Path: ")[0].Trim();
        return at.Length > 0 ? $"{message} (at {at})" : message;
    }
}
