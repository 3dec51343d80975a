using System.Globalization;
using System.Text.RegularExpressions;

namespace Engine.Api;

/// <summary>`engine logs` options as the CLI and the admin API both read them.</summary>
public static partial class LogOptions
{
    public const int DefaultLines = 100;
    public const int MaxLines = 10_000;

    public static string? ValidateLines(int lines) =>
        lines is < 1 or > MaxLines ? $"-n takes 1 to {MaxLines} lines, got {lines}" : null;

    /// <summary>A duration back from <paramref name="now"/> (30s, 10m, 2h, 1d) or an ISO 8601 time; null for anything else.</summary>
    public static DateTimeOffset? Since(string text, DateTimeOffset now)
    {
        if (Duration().IsMatch(text)) return Span(text) is { } span ? now - span : null;
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) && text.Contains('-')
            ? at : null;
    }

    public static string SinceError(string text) =>
        $"--since takes a duration such as 10m (s, m, h, d) or a time such as 2026-12-07T10:00:00Z, got '{text}'";

    /// <summary>30s, 10m, 2h or 1d (up to 100,000 of the unit); null for anything else.</summary>
    public static TimeSpan? Span(string text)
    {
        if (Duration().Match(text) is not { Success: true } m) return null;
        var n = long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        return n > 100_000 ? null : m.Groups[2].Value switch
        {
            "s" => TimeSpan.FromSeconds(n),
            "m" => TimeSpan.FromMinutes(n),
            "h" => TimeSpan.FromHours(n),
            _ => TimeSpan.FromDays(n),
        };
    }

    [GeneratedRegex("^([0-9]{1,9})([smhd])$")]
    private static partial Regex Duration();
}
