using Engine.Api;

namespace Engine.Admin;

public sealed record ApiError(string Error)
{
    public static IResult Response(int status, string message) => Results.Json(new ApiError(message), ApiJson.Options, statusCode: status);
}
