using Engine.Hosting;

namespace Engine.Palettes;

/// <summary>Who asked for a change, as the journal records it: with an admin token, the token's name (the token is the
/// proof); without one (loopback only), the OS user the CLI names.</summary>
public static class Caller
{
    public const string TokenName = "token:admin";
    private const int MaxLength = 64;

    public static string Of(HttpContext context, EngineSettings settings)
    {
        if (settings.AdminToken.Length > 0) return TokenName;
        var named = context.Request.Headers[Admin.ApiJson.UserHeader].ToString().Trim();
        return named.Length is > 0 and <= MaxLength && named.All(c => char.IsLetterOrDigit(c) || c is '.' or '_' or '-' or '@' or '$')
            ? named
            : "unknown";
    }
}
