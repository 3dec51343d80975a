using Akka.Actor;
using Akka.DependencyInjection;
using Akka.Persistence.Journal;
using Engine.Audit;
using Microsoft.Extensions.DependencyInjection;
using Engine.Protocol;

namespace Engine.Secrets;

/// <summary>At the journal boundary: env values go in encrypted and come back plain, so the domain never sees a
/// sealed value and the journal never holds a plain one. Also tags every app event for the audit.</summary>
public sealed class EnvSealingAdapter : IEventAdapter
{
    private readonly AppEventTagger _tagger;
    private readonly EnvCipher _cipher;

    /// <summary>Akka creates adapters with the actor system; the key comes from the host's settings. The node's address is
    /// read at each write: remoting may not have bound it yet when the adapter is made.</summary>
    public EnvSealingAdapter(ExtendedActorSystem system)
        : this(DependencyResolver.For(system).Resolver.GetService<EnvCipher>(), () => system.Provider.DefaultAddress.ToString()) { }

    public EnvSealingAdapter(EnvCipher cipher, Func<string>? node = null)
    {
        _cipher = cipher;
        _tagger = new AppEventTagger(node);
    }

    public string Manifest(object evt) => string.Empty;

    public object ToJournal(object evt) => _tagger.ToJournal(Map(evt, _cipher.Seal));

    public IEventSequence FromJournal(object evt, string manifest) => EventSequence.Single(Map(evt, _cipher.Open));

    /// <summary>Every event that carries env values, with each value mapped.</summary>
    private static object Map(object evt, Func<IReadOnlyDictionary<string, string>, Dictionary<string, string>> env) => evt switch
    {
        EnvChanged c => c with { Set = env(c.Set) },
        DeploymentQueued q => q with { Env = env(q.Env) },
        DeploymentCreated c => c with { Env = env(c.Env) },
        ContainersStarting s => s with { Containers = s.Containers.Select(c => c with { Env = env(c.Env) }).ToList() },
        DeploymentRouted r => r with { Containers = r.Containers.Select(c => c with { Env = env(c.Env) }).ToList() },
        ReleaseScaled r => r with { Containers = r.Containers.Select(c => c with { Env = env(c.Env) }).ToList() },
        _ => evt,
    };
}
