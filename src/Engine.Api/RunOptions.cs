namespace Engine.Api;

/// <summary>`engine run` options as the CLI and the admin API both read them.</summary>
public static class RunOptions
{
    /// <summary>As on Scalingo: a one-off with no output for an hour is stopped.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromHours(1);
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromDays(7);

    public static string? ValidateTimeout(TimeSpan timeout) =>
        timeout <= TimeSpan.Zero || timeout > MaxTimeout ? $"--timeout takes 1s to {MaxTimeout.TotalDays:0}d without output, got {timeout}" : null;

    /// <summary>`KEY=VALUE` into its parts; null without '=' or a name.</summary>
    public static (string Key, string Value)? EnvPair(string text) =>
        text.IndexOf('=') is > 0 and var eq ? (text[..eq], text[(eq + 1)..]) : null;

    /// <summary>The shell command line a run's container executes: one argument is a command line already (as Heroku's
    /// `run "rake db:migrate"`); several are quoted one by one, so `sh -c 'read x'` keeps its words.</summary>
    public static string CommandLine(IReadOnlyList<string> argv) =>
        argv.Count == 1 ? argv[0] : string.Join(' ', argv.Select(a => "'" + a.Replace("'", "'\\''") + "'"));

    /// <summary>Frames of an attached run's WebSocket: binary ones carry the stream's byte first, then the data.</summary>
    public const byte Stdout = 1, Stderr = 2;
}
