using System.Security.Cryptography;
using System.Text;

namespace Engine.Admin;

/// <summary>With a token configured, every admin request needs `Authorization: Bearer TOKEN`.</summary>
public sealed class TokenCheck(string token, ILogger logger)
{
    // Hashes have one length, so the comparison's time says nothing about the token, not even its length.
    private readonly byte[] _expected = SHA256.HashData(Encoding.UTF8.GetBytes(token));

    public IResult? Refuse(HttpContext context)
    {
        if (token.Length == 0) return null;
        var header = context.Request.Headers.Authorization.ToString();
        var given = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim() : null;
        if (given is not null && CryptographicOperations.FixedTimeEquals(_expected, SHA256.HashData(Encoding.UTF8.GetBytes(given))))
            return null;
        logger.LogWarning("refused an admin request with {What} from {Remote}: {Method} {Path}",
            given is null ? "no bearer token" : "a wrong bearer token", context.Connection.RemoteIpAddress,
            context.Request.Method, context.Request.Path);
        context.Response.Headers.WWWAuthenticate = "Bearer";
        return ApiError.Response(StatusCodes.Status401Unauthorized,
            given is null ? "this admin API requires a bearer token (the CLI sends $ENGINE_TOKEN or --token)" : "wrong bearer token");
    }
}
