using System.Globalization;
using System.Text;

namespace Engine.Bench;

/// <summary>One figure: the engine's value against the peer's, measured side by side in one run.</summary>
public sealed record Figure(string Scenario, string Metric, string Unit, double Engine, string Peer, double PeerValue,
    int Runs, string Spread, bool HigherIsBetter = false)
{
    /// <summary>Engine over peer; for "higher is better" metrics (requests/s) still engine over peer.</summary>
    public double Ratio => PeerValue == 0 ? double.NaN : Engine / PeerValue;
}

public static class Stats
{
    public static double Median(IReadOnlyList<double> xs) => Quantile(xs, 0.5);

    public static double Quantile(IReadOnlyList<double> xs, double q)
    {
        if (xs.Count == 0) return double.NaN;
        var sorted = xs.OrderBy(x => x).ToList();
        var pos = q * (sorted.Count - 1);
        var lo = (int)Math.Floor(pos);
        var hi = (int)Math.Ceiling(pos);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }

    /// <summary>"p25–p75 (min–max)" for a reader who wants to know how noisy the runs were.</summary>
    public static string Spread(IReadOnlyList<double> xs, string format = "0.000") =>
        xs.Count == 0 ? "-" : string.Create(CultureInfo.InvariantCulture,
            $"{Quantile(xs, 0.25).ToString(format, CultureInfo.InvariantCulture)}–{Quantile(xs, 0.75).ToString(format, CultureInfo.InvariantCulture)} " +
            $"({xs.Min().ToString(format, CultureInfo.InvariantCulture)}–{xs.Max().ToString(format, CultureInfo.InvariantCulture)})");
}

/// <summary>Writes bench/RESULTS.md.</summary>
public static class ResultsFile
{
    public static string Render(IReadOnlyList<Figure> figures, IReadOnlyList<string> notes, string command)
    {
        string F(double v) => double.IsNaN(v) ? "-" : v.ToString(v >= 100 ? "0" : "0.000", CultureInfo.InvariantCulture);
        var md = new StringBuilder();
        md.AppendLine("# Benchmark results");
        md.AppendLine();
        md.AppendLine($"- date: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
        md.AppendLine($"- cores: {Environment.ProcessorCount}, OS: {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");
        md.AppendLine($"- reproduce: `{command}`");
        md.AppendLine("- each figure is the median of its runs; engine and peer ran alternately (A B A B) in the same run;");
        md.AppendLine("  spread is p25–p75 (min–max). Ratio = engine / peer.");
        md.AppendLine();
        md.AppendLine("| scenario | metric | engine | peer | peer value | ratio | runs | engine spread |");
        md.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (var f in figures)
            md.AppendLine($"| {f.Scenario} | {f.Metric} ({f.Unit}) | {F(f.Engine)} | {f.Peer} | {F(f.PeerValue)} | {F(f.Ratio)} | {f.Runs} | {f.Spread} |");
        if (notes.Count > 0)
        {
            md.AppendLine();
            foreach (var n in notes) md.AppendLine($"- {n}");
        }
        return md.ToString();
    }
}
