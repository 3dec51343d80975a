using Engine.Deployments;
using Engine.Protocol;

namespace Engine.Apps;

/// <summary>The apps the journal holds, from its persistence ids alone (no app is recovered for it): every app with a
/// stream of its own, and those that ever had a deployment. Only these may have containers, routes or deployments to
/// restore; the others (env only) start when asked.</summary>
/// <param name="Refused">Names found in the journal that can never be an app (so never an entity), with why: a row
/// written by hand, or corrupted. Left out, and said loudly by whoever reads the index at start.</param>
public sealed record AppsIndex(IReadOnlySet<string> All, IReadOnlySet<string> Deployed, IReadOnlyList<(string App, string Why)>? Refused = null)
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
        var refused = all.Select(a => (App: a, Why: AppName.Validate(a)!)).Where(r => r.Why is not null).ToList();
        all.ExceptWith(refused.Select(r => r.App));
        deployed.IntersectWith(all);
        return new AppsIndex(all, deployed, refused);
    }
}
