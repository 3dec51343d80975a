namespace Engine.Tests.Support;

/// <summary>How long a test waits for a condition before it fails: a deadline, not a target (the waits return as soon as
/// the condition holds), generous so that a loaded machine does not turn a slow step into a failed test.</summary>
public static class Deadlines
{
    public static readonly TimeSpan Within = TimeSpan.FromSeconds(60);
}
