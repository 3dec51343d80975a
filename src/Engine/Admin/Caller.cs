using Engine.Api;

namespace Engine.Admin;

/// <summary>Who asked for a change, as the journal records it: with an admin token, the token's name (the token is the
/// proof); without one (loopback only), the OS user the CLI names.</summary>
public static class Caller
{
    public const string TokenName = "token:admin";

    /// <summary>A 400 for a user header that is there but not a valid name (AdminGuard); null when valid or absent.</summary>
    public static IResult? Refuse(HttpContext context) =>
        context.Request.Headers[ApiJson.UserHeader].ToString() is { Length: > 0 } named && !ApiJson.IsValidUser(named)
            ? ApiError.Response(StatusCodes.Status400BadRequest, $"the {ApiJson.UserHeader} header must be 1 to "
                + $"{ApiJson.MaxUserLength} ASCII letters, digits, '.', '_', '@' or '-' (got {named.Length} characters, not all of them these)")
            : null;

    public static string Of(HttpContext context, AdminSettings settings)
    {
        if (settings.AdminToken.Length > 0) return TokenName;
        var named = context.Request.Headers[ApiJson.UserHeader].ToString();
        return ApiJson.IsValidUser(named) ? named : "unknown";
    }
}
