using System.Collections;
using System.Reflection;
using System.Text;
using Akka.Actor;
using Engine.Hosting;
using Engine.Protocol;
using Engine.Serialization;
using Engine.Tests.Projections;
using Microsoft.Data.Sqlite;

namespace Engine.Tests.Serialization;

/// <summary>Every contract type (found by reflection, so a new one cannot be forgotten) is bound to the contract's
/// serializer in the node's own configuration, has a manifest of its own, and comes back whole: every property set,
/// through the bytes the journal or the wire would hold, with no CLR name in them.</summary>
public sealed class ContractTests(ContractTests.Node node) : IClassFixture<ContractTests.Node>
{
    /// <summary>One node for the whole class: its configuration is what is under test, not its start.</summary>
    public sealed class Node : IAsyncLifetime
    {
        private readonly EngineSettings _settings = new() { DataDir = Directory.CreateTempSubdirectory("engine-contract-").FullName };
        private JournalNode _node = null!;

        public ActorSystem System => _node.System;

        public async Task InitializeAsync()
        {
            _settings.Prepare();
            _node = await JournalNode.StartAsync(_settings, projection: false);
        }

        public async Task DisposeAsync()
        {
            await _node.DisposeAsync();
            SqliteConnection.ClearAllPools();
            Directory.Delete(_settings.DataDir, recursive: true);
        }
    }

    public static IEnumerable<object[]> ContractTypes() =>
        typeof(IEngineMessage).Assembly.GetTypes()
            .Where(t => typeof(IEngineMessage).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false })
            .OrderBy(t => t.Name).Select(t => new object[] { t });

    [Theory]
    [MemberData(nameof(ContractTypes))]
    public void Round_trips_through_the_hosts_serialization_under_its_own_manifest(Type type)
    {
        var manifest = type.GetCustomAttribute<ManifestAttribute>()?.Name;
        Assert.False(manifest is null, $"{type.Name} has no [Manifest]");
        Assert.Matches(@"^[a-z0-9]+(-[a-z0-9]+)*\.v[0-9]+$", manifest);
        var message = Sample.Of(type, (ExtendedActorSystem)node.System);
        var serialization = node.System.Serialization;
        var serializer = serialization.FindSerializerFor(message);
        Assert.IsType<EngineSerializer>(serializer);
        Assert.Equal(manifest, Akka.Serialization.Serialization.ManifestFor(serializer, message));
        var bytes = serializer.ToBinary(message);
        var json = Encoding.UTF8.GetString(bytes);
        Assert.DoesNotContain("Engine.", json);
        Assert.DoesNotContain("$type", json);
        var back = serialization.Deserialize(bytes, serializer.Identifier, manifest);
        Assert.IsType(type, back);
        Assert.Equal(json, Encoding.UTF8.GetString(serializer.ToBinary(back)));
        Sample.AssertEveryPropertySet(back);
    }

    /// <summary>Not contract types, but sent with the props of the actors placed on worker nodes.</summary>
    [Fact]
    public void Arguments_of_actors_placed_on_workers_round_trip_under_their_manifests()
    {
        foreach (var (type, manifest) in EngineSerializer.Arguments)
        {
            var argument = Sample.Of(type, (ExtendedActorSystem)node.System);
            var serializer = node.System.Serialization.FindSerializerFor(argument);
            Assert.IsType<EngineSerializer>(serializer);
            Assert.Equal(manifest, Akka.Serialization.Serialization.ManifestFor(serializer, argument));
            Assert.Equal(argument, node.System.Serialization.Deserialize(serializer.ToBinary(argument), serializer.Identifier, manifest));
        }
    }

    /// <summary>Remote deployment sends each argument of their props through the node's serializers: none may be one
    /// that has no contract (the actor would never start on the worker).</summary>
    [Fact]
    public void Every_argument_of_the_actors_placed_on_workers_has_a_serializer()
    {
        var system = (ExtendedActorSystem)node.System;
        var placed = new[]
        {
            Engine.Build.BuildActor.Props("/data/uploads/a.tar", (Engine.Protocol.ImageSpec)Sample.Of(typeof(Engine.Protocol.ImageSpec), system),
                Engine.Protocol.ContextLimits.Default, "akka.tcp://engine@10.0.0.6:4054"),
            Engine.Hooks.HookActor.Props((Engine.Protocol.ContainerSpec)Sample.Of(typeof(Engine.Protocol.ContainerSpec), system), TimeSpan.FromMinutes(20)),
            Engine.Hooks.HookActor.Attach((Engine.Protocol.ContainerSpec)Sample.Of(typeof(Engine.Protocol.ContainerSpec), system), TimeSpan.FromMinutes(20)),
            Engine.Containers.ContainerKeeperActor.Props(system.DeadLetters, TimeSpan.FromMinutes(1)),
            Engine.Containers.ContainerOperationsActor.Props(),
        };
        foreach (var argument in placed.SelectMany(p => p.Arguments).Where(a => a is not null))
            Assert.IsNotType<NoContractSerializer>(node.System.Serialization.FindSerializerFor(argument));
    }

    [Fact]
    public void Manifests_are_unique_and_each_names_one_contract_type()
    {
        var manifests = ContractTypes().Select(t => (Type)t[0]).Select(t => t.GetCustomAttribute<ManifestAttribute>()!.Name)
            .Concat(EngineSerializer.Arguments.Values).ToList();
        Assert.Equal(manifests.Count, manifests.Distinct().Count());
        Assert.Equal(manifests.Order(), EngineSerializer.Manifests.Values.Order());
    }

    [Fact]
    public void An_actor_reference_comes_back_as_the_same_actor()
    {
        var actor = node.System.ActorOf(Props.Empty, "contract-probe");
        var sent = new Engine.Protocol.SwitchRoute("app", "app-v1", "v1", ["http://10.0.0.7:32768"], actor);
        var serializer = node.System.Serialization.FindSerializerFor(sent);
        var back = (Engine.Protocol.SwitchRoute)node.System.Serialization.Deserialize(serializer.ToBinary(sent),
            serializer.Identifier, Akka.Serialization.Serialization.ManifestFor(serializer, sent));
        Assert.Equal(actor, back.ReplyTo);
        Assert.Equal(actor.Path.Uid, back.ReplyTo.Path.Uid);
    }

    [Fact]
    public void A_type_without_a_contract_is_refused_not_written_with_its_CLR_name()
    {
        var serializer = node.System.Serialization.FindSerializerFor(new NoContract("x"));
        Assert.IsType<NoContractSerializer>(serializer);
        var refused = Assert.Throws<System.Runtime.Serialization.SerializationException>(() => serializer.ToBinary(new NoContract("x")));
        Assert.Contains(nameof(NoContract), refused.Message);
    }

    private sealed record NoContract(string Value);

    /// <summary>An instance with every constructor parameter given a value that is not its default, built by type.</summary>
    private static class Sample
    {
        public static object Of(Type type, ExtendedActorSystem system)
        {
            if (type == typeof(string)) return "s-" + type.Name;
            if (type == typeof(int)) return 7;
            if (type == typeof(long)) return 42L;
            if (type == typeof(bool)) return true;
            if (type == typeof(byte[])) return new byte[] { 1, 2, 3 };
            if (type == typeof(TimeSpan)) return TimeSpan.FromSeconds(30);
            if (type == typeof(DateTimeOffset)) return DateTimeOffset.Parse("2026-12-07T12:00:00Z");
            if (type == typeof(IActorRef)) return system.DeadLetters;
            if (Nullable.GetUnderlyingType(type) is { } inner) return Of(inner, system);
            if (type.IsGenericType && type.GetGenericArguments() is var args)
            {
                var definition = type.GetGenericTypeDefinition();
                if (args.Length == 2 && typeof(IEnumerable).IsAssignableFrom(type))
                {
                    var dictionary = (IDictionary)Activator.CreateInstance(typeof(Dictionary<,>).MakeGenericType(args))!;
                    dictionary.Add(Of(args[0], system), Of(args[1], system));
                    return dictionary;
                }
                if (definition == typeof(ISet<>) || definition == typeof(HashSet<>))
                {
                    var set = Activator.CreateInstance(typeof(HashSet<>).MakeGenericType(args))!;
                    set.GetType().GetMethod("Add")!.Invoke(set, [Of(args[0], system)]);
                    return set;
                }
                if (typeof(IEnumerable).IsAssignableFrom(type))
                {
                    var list = (IList)Activator.CreateInstance(typeof(List<>).MakeGenericType(args))!;
                    list.Add(Of(args[0], system));
                    return list;
                }
            }
            var constructor = type.GetConstructors().MaxBy(c => c.GetParameters().Length)
                              ?? throw new InvalidOperationException($"no public constructor on {type.Name}");
            return constructor.Invoke(constructor.GetParameters().Select(p => Of(p.ParameterType, system)).ToArray());
        }

        /// <summary>What the constructor took came back: nothing was dropped on the way.</summary>
        public static void AssertEveryPropertySet(object message)
        {
            foreach (var p in message.GetType().GetConstructors().MaxBy(c => c.GetParameters().Length)!.GetParameters())
            {
                var value = message.GetType().GetProperty(p.Name!)!.GetValue(message);
                Assert.False(value is null || (value is IEnumerable e and not string && !e.Cast<object>().Any()),
                    $"{message.GetType().Name}.{p.Name} came back empty");
            }
        }
    }
}
