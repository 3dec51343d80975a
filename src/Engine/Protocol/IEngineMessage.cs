namespace Engine.Protocol;

/// <summary>The contract: every persisted event and every message that may cross nodes. Each such type carries a
/// <see cref="ManifestAttribute"/>, and one serializer writes them all under those names, never under CLR names.</summary>
public interface IEngineMessage;

/// <summary>The type's stable name in the journal and on the wire: <c>name.vN</c>, N its schema revision. A renamed or
/// moved type keeps it. A persisted event whose shape changes gets a new revision, with an event adapter that upcasts
/// the old one on read (the golden journal test holds every released revision).</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class ManifestAttribute(string name) : Attribute
{
    public string Name { get; } = name;
}
