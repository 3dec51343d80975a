using System.Runtime.Serialization;
using Akka.Actor;
using Akka.Serialization;
using Engine.Protocol;

namespace Engine.Serialization;

/// <summary>In place of Akka's default JSON serializer (which writes CLR type names): whatever has neither a contract
/// nor a serializer of Akka's own is refused, naming its type, instead of reaching the journal or another node.</summary>
public sealed class NoContractSerializer(ExtendedActorSystem system) : Serializer(system)
{
    public override int Identifier => 1908;

    public override bool IncludeManifest => false;

    public override byte[] ToBinary(object obj) =>
        throw new SerializationException($"{obj.GetType().FullName} has no contract (IEngineMessage with a [Manifest]): "
                                         + "it may neither be journaled nor cross nodes");

    public override object FromBinary(byte[] bytes, Type type) =>
        throw new SerializationException("nothing is ever written without a contract");
}
