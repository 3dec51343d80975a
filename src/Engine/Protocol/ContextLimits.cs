
namespace Engine.Protocol;

/// <summary>Bounds on the build context as Docker would expand it.</summary>
[Manifest("context-limits.v1")]
public sealed record ContextLimits(long MaxBytes, int MaxFiles) : IEngineMessage
{
    public static readonly ContextLimits Default = new(1024L * 1024 * 1024, 100_000);
}
