
namespace Engine.Protocol;

/// <summary>A TimeSpan for a child's constructor: Akka remote deployment carries a bare TimeSpan argument as JSON and
/// rebuilds it as a string, which no constructor takes; inside a record it keeps its type.</summary>
[Manifest("span.v1")]
public sealed record Duration(TimeSpan Value) : IEngineMessage
{
    public static implicit operator TimeSpan(Duration span) => span.Value;
}
