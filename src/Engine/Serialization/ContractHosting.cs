using Akka.Hosting;
using Engine.Protocol;

namespace Engine.Serialization;

public static class ContractHosting
{
    /// <summary>Binds the contract to its serializer, and everything else that is not Akka's own to none: no CLR type
    /// name is ever journaled or sent.</summary>
    public static AkkaConfigurationBuilder WithEngineContract(this AkkaConfigurationBuilder akka) => akka
        .WithCustomSerializer("engine", [typeof(IEngineMessage), .. EngineSerializer.Arguments.Keys], system => new EngineSerializer(system))
        .AddHocon($$"""
            akka.actor.serializers.no-contract = "{{typeof(NoContractSerializer).AssemblyQualifiedName}}"
            akka.actor.serialization-bindings { "System.Object" = no-contract }
            """, HoconAddMode.Prepend);
}
