namespace Engine.Admin;

/// <summary>Refuses requests a browser sends on behalf of another site: the CLI sends no Origin, a page always does.</summary>
public static class OriginCheck
{
    public static IResult? Refuse(HttpContext context)
    {
        var headers = context.Request.Headers;
        var origin = headers.Origin.ToString();
        if (origin.Length > 0 && !string.Equals(origin, $"http://{context.Request.Host}", StringComparison.OrdinalIgnoreCase))
            return ApiError.Response(StatusCodes.Status403Forbidden, $"cross-origin requests are refused (Origin '{origin}')");
        return headers["Sec-Fetch-Site"].ToString() is "cross-site" or "same-site"
            ? ApiError.Response(StatusCodes.Status403Forbidden, "cross-site requests are refused")
            : null;
    }
}
