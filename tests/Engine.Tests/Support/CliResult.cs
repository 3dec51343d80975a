using System.Text.Json;

namespace Engine.Tests.Support;

public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public JsonElement Json => JsonDocument.Parse(Stdout).RootElement;

    /// <summary>`deploy --json` prints the final deployment object last, after nothing else on stdout.</summary>
    public JsonElement LastJson => JsonDocument.Parse(Stdout[Stdout.IndexOf('{')..]).RootElement;

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}
