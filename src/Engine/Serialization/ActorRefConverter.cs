using System.Text.Json;
using System.Text.Json.Serialization;
using Akka.Actor;

namespace Engine.Serialization;

/// <summary>An actor reference as its full path with uid (the node's address included, as Akka's own serializers
/// write it), resolved back through the receiving system's provider.</summary>
internal sealed class ActorRefConverter(ExtendedActorSystem system) : JsonConverter<IActorRef>
{
    private const string Nobody = "nobody";

    public override IActorRef Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.GetString() is { } path and not Nobody ? system.Provider.ResolveActorRef(path) : ActorRefs.Nobody;

    public override void Write(Utf8JsonWriter writer, IActorRef value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.IsNobody() ? Nobody : Akka.Serialization.Serialization.SerializedActorPath(value));
}
