
namespace Engine.Protocol;

/// <summary>An operator's change to the cluster itself (leave, down, join), journaled before it is made.
/// <paramref name="Node"/>: the address of the node that took the command.</summary>
[Manifest("operator-command-run.v1")]
public sealed record OperatorCommandRun(string Command, string? Target, string By, string Node, DateTimeOffset At) : IEngineMessage;
