using System.Globalization;
using System.Text.RegularExpressions;

namespace Engine.Bench;

public sealed record WrkRun(double RequestsPerSecond, double P50Ms, double P99Ms, long Requests, long Errors);

/// <summary>wrk (Debian's package) against one URL with latency percentiles.</summary>
public static partial class Wrk
{
    public static async Task<WrkRun> RunAsync(string url, string? host, TimeSpan duration, int connections = 64)
    {
        var args = new List<string> { "-t2", $"-c{connections}", $"-d{(int)Math.Max(1, duration.TotalSeconds)}s", "--latency" };
        if (host is not null) args.AddRange(["-H", $"Host: {host}"]);
        args.Add(url);
        var result = (await Shell.RunAsync("wrk", args, duration + TimeSpan.FromMinutes(1))).EnsureSuccess("wrk");
        return Parse(result.Stdout);
    }

    public static WrkRun Parse(string output)
    {
        double Number(Regex r) => r.Match(output) is { Success: true } m ? double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : double.NaN;
        long Count(Regex r) => r.Match(output) is { Success: true } m ? long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
        var errors = Count(Non2xx()) + SocketErrors().Matches(output).Sum(m => m.Groups.Cast<Group>().Skip(1)
            .Sum(g => long.Parse(g.Value, CultureInfo.InvariantCulture)));
        return new WrkRun(Number(Rps()), Latency(output, "50%"), Latency(output, "99%"), Count(Requests()), errors);
    }

    private static double Latency(string output, string percentile)
    {
        var m = Regex.Match(output, $@"^\s*{Regex.Escape(percentile)}\s+([\d.]+)(us|ms|s)\s*$", RegexOptions.Multiline);
        if (!m.Success) return double.NaN;
        var v = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        return m.Groups[2].Value switch { "us" => v / 1000, "s" => v * 1000, _ => v };
    }

    [GeneratedRegex(@"Requests/sec:\s+([\d.]+)")] private static partial Regex Rps();
    [GeneratedRegex(@"(\d+) requests in")] private static partial Regex Requests();
    [GeneratedRegex(@"Non-2xx or 3xx responses:\s+(\d+)")] private static partial Regex Non2xx();
    [GeneratedRegex(@"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")] private static partial Regex SocketErrors();
}
