using Engine.Deployments;

namespace Engine.Apps;

/// <summary>The apps the journal holds, from its persistence ids alone (no app is recovered for it): every app with a
/// stream of its own, and those that ever had a deployment. Only these may have containers, routes or deployments to
/// restore; the others (env only) start when asked.</summary>
public sealed record AppsIndex(IReadOnlySet<string> All, IReadOnlySet<string> Deployed)
{
    /// <summary>The persistence id of the registry that came before: its rows (<see cref="AppRegistered"/>,
    /// <see cref="AppDeploying"/>) stay in old journals, read only by audits; nothing writes it any more.</summary>
    public const string LegacyRegistry = "apps";

    /// <summary>The persistence ids to read it from start with these.</summary>
    public static readonly IReadOnlyList<string> Prefixes = [AppActor.PersistencePrefix, DeploymentActor.PersistencePrefix];

    public static AppsIndex Of(IEnumerable<string> persistenceIds)
    {
        var all = new SortedSet<string>(StringComparer.Ordinal);
        var deployed = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var id in persistenceIds)
            if (id.StartsWith(AppActor.PersistencePrefix, StringComparison.Ordinal)) all.Add(id[AppActor.PersistencePrefix.Length..]);
            else if (id.StartsWith(DeploymentActor.PersistencePrefix, StringComparison.Ordinal)
                     && DeploymentId.Parse(id[DeploymentActor.PersistencePrefix.Length..]) is { } d)
                deployed.Add(d.App);
        // A name that can never be an actor (so never a shard's entity) is left out, loudly where it is read.
        all.RemoveWhere(a => AppName.Validate(a) is not null);
        deployed.IntersectWith(all);
        return new AppsIndex(all, deployed);
    }
}
