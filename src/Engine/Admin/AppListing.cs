using Engine.Journal;
using Akka.Actor;
using Engine.Apps;
using Engine.Audit;
using Engine.Protocol;

namespace Engine.Admin;

/// <summary>`engine apps`: the apps from the journal's persistence ids (<see cref="AppsIndex"/>); an app that never
/// deployed is listed from that alone (it is not started for it), the others answer for themselves. An app that cannot
/// run now (the journal failed it) is left out, as the registry that came before did.</summary>
public static class AppListing
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The apps of the journal, from its persistence ids.</summary>
    public static async Task<AppsIndex> IndexAsync(ActorSystem system, JournalSettings journal, CancellationToken ct) =>
        AppsIndex.Of(await new JournalReader(system, journal).PersistenceIdsAsync(AppsIndex.Prefixes, ct));

    /// <summary>Where the registry that came before journaled the app's registration; null for apps registered in their
    /// own stream since.</summary>
    public static async Task<JournalRange?> LegacyRegistrationAsync(ActorSystem system, JournalSettings journal, string app,
        CancellationToken ct) =>
        (await new JournalReader(system, journal).RangesAsync([new JournalRange(AppsIndex.LegacyRegistry, 1, long.MaxValue)], ct))
        .FirstOrDefault(e => e.Event is AppRegistered r && r.App == app) is { } found
            ? new JournalRange(found.PersistenceId, found.SequenceNr, found.SequenceNr)
            : null;

    public static async Task<AppList> ListAsync(IActorRef apps, ActorSystem system, AdminSettings settings, CancellationToken ct)
    {
        var index = await IndexAsync(system, settings.Journal, ct);
        var views = await Task.WhenAll(index.All.Select(async app => index.Deployed.Contains(app)
            ? await apps.Ask<object>(new GetApp(app), AskTimeout, ct) as AppView
            : AppQueriesActor.IdleView(app, settings.Apps)));
        return new AppList([.. views.OfType<AppView>()]);
    }
}
