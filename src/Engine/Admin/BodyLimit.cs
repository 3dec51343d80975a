namespace Engine.Admin;

/// <summary>Marks the endpoint that takes uploads: it bounds its own body (MaxUploadBytes) and streams it to disk.</summary>
public sealed record UploadEndpoint
{
    public static readonly UploadEndpoint Instance = new();
}

/// <summary>Every other admin request body is small: read it whole, at most `limit` bytes, before the endpoint binds it.</summary>
public static class BodyLimit
{
    public static async Task<IResult?> ApplyAsync(HttpContext context, long limit)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<UploadEndpoint>() is not null) return null;
        var request = context.Request;
        if (!HasBody(request)) return null;
        if (request.ContentLength > limit) return TooLarge(limit);
        var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
        {
            if (buffer.Length + read > limit) return TooLarge(limit);
            buffer.Write(chunk, 0, read);
        }
        buffer.Position = 0;
        request.Body = buffer;
        return null;
    }

    public static bool HasBody(HttpRequest request) =>
        request.ContentLength > 0 || (request.ContentLength is null && request.Headers.TransferEncoding.Any());

    private static IResult TooLarge(long limit) => ApiError.Response(StatusCodes.Status413PayloadTooLarge,
        $"the request body is over the limit of {limit} bytes (Engine:MaxRequestBodyBytes)");
}
