using System.Globalization;
using System.Text;
using Engine.Protocol;

namespace Engine.Containers;

/// <summary>One HTTP check (`engine checks`) of a web container, from its own worker over loopback (containers use host
/// networking): never through a router, so it costs no router request.</summary>
public static class HttpCheck
{
    private const int BodyStart = 200;

    /// <summary>Redirects are answers (3xx passes), not followed.</summary>
    private static readonly HttpClient Client = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    /// <summary>Whether it answered 2xx or 3xx within the check's timeout, and what it answered (the status, and for a
    /// failure the start of the body, or why there was no answer).</summary>
    public static async Task<(bool Passed, string Answer)> ProbeAsync(int port, HealthCheck check, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(check.Timeout);
        try
        {
            using var response = await Client.GetAsync($"http://127.0.0.1:{port}{check.Path}", HttpCompletionOption.ResponseHeadersRead, limit.Token);
            var code = (int)response.StatusCode;
            if (code is >= 200 and < 400) return (true, code.ToString(CultureInfo.InvariantCulture));
            var buffer = new byte[BodyStart];
            var stream = await response.Content.ReadAsStreamAsync(limit.Token);
            var read = 0;
            for (int n; read < buffer.Length && (n = await stream.ReadAsync(buffer.AsMemory(read), limit.Token)) > 0;) read += n;
            var body = string.Join(' ', Encoding.UTF8.GetString(buffer, 0, read).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
            return (false, body.Length == 0 ? $"{code}" : $"{code}: {body}");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return (false, $"no answer within {check.Timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s");
        }
        catch (HttpRequestException e)
        {
            return (false, $"no answer: {e.Message}");
        }
    }
}
