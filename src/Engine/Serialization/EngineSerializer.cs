using System.Reflection;
using System.Runtime.Serialization;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Akka.Actor;
using Akka.Serialization;
using Engine.Protocol;

namespace Engine.Serialization;

/// <summary>The one serializer of the contract (<see cref="IEngineMessage"/>), for the journal and the wire: JSON from
/// build-time generated code, filed under each type's <see cref="ManifestAttribute"/>. System.Text.Json rather than
/// Protobuf: the records stay the schema (no second set of generated types to map to and from), rows stay readable in
/// SQL for audits, and the CLI already speaks the same JSON.</summary>
public sealed class EngineSerializer : SerializerWithStringManifest
{
    /// <summary>Fixed forever: journal rows name their serializer by it.</summary>
    public const int Id = 1907;

    private readonly Dictionary<Type, (string Manifest, JsonTypeInfo Info)> _byType = [];
    private readonly Dictionary<string, JsonTypeInfo> _byManifest = new(StringComparer.Ordinal);

    public EngineSerializer(ExtendedActorSystem system) : base(system)
    {
        var options = new JsonSerializerOptions(ContractJson.Default.Options) { Converters = { new ActorRefConverter(system) } };
        foreach (var (type, manifest) in Manifests)
        {
            var info = options.GetTypeInfo(type);
            _byType[type] = (manifest, info);
            _byManifest[manifest] = info;
        }
    }

    public override int Identifier => Id;

    /// <summary>Not ours, but among the arguments of the actors a deployment places on a worker node: remote deployment
    /// sends them with the actor's props.</summary>
    public static readonly IReadOnlyDictionary<Type, string> Arguments = new Dictionary<Type, string>
    {
        [typeof(TimeSpan)] = "timespan.v1",
        [typeof(bool)] = "boolean.v1",
    };

    /// <summary>Every contract type with its manifest, found once. A contract type without one, or two types under one
    /// name, stops the node at start rather than at the first message.</summary>
    public static IReadOnlyDictionary<Type, string> Manifests { get; } = FindManifests();

    private static Dictionary<Type, string> FindManifests()
    {
        var found = new Dictionary<Type, string>(Arguments);
        foreach (var type in typeof(IEngineMessage).Assembly.GetTypes()
                     .Where(t => typeof(IEngineMessage).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false }))
            found[type] = type.GetCustomAttribute<ManifestAttribute>()?.Name
                          ?? throw new InvalidOperationException($"{type.Name} is a contract type without a [Manifest]");
        if (found.GroupBy(p => p.Value).FirstOrDefault(g => g.Count() > 1) is { } twice)
            throw new InvalidOperationException($"manifest '{twice.Key}' names {string.Join(" and ", twice.Select(p => p.Key.Name))}");
        return found;
    }

    public override string Manifest(object o) => Of(o.GetType()).Manifest;

    public override byte[] ToBinary(object obj) => JsonSerializer.SerializeToUtf8Bytes(obj, Of(obj.GetType()).Info);

    public override object FromBinary(byte[] bytes, string manifest) =>
        _byManifest.TryGetValue(manifest, out var info)
            ? JsonSerializer.Deserialize(bytes, info) ?? throw new SerializationException($"'{manifest}' holds null")
            : throw new SerializationException($"unknown manifest '{manifest}': written by a newer engine version?");

    private (string Manifest, JsonTypeInfo Info) Of(Type type) => _byType.TryGetValue(type, out var found)
        ? found
        : throw new SerializationException($"{type.Name} has no contract: give it [Manifest] and a line in ContractJson");
}
