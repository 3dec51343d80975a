using Akka.Actor;
using Engine.Apps;
using Engine.Audit;
using Engine.Hosting;

namespace Engine.Admin;

/// <summary>`engine apps`: the apps from the journal's persistence ids (<see cref="AppsIndex"/>); an app that never
/// deployed is listed from that alone (it is not started for it), the others answer for themselves. An app that cannot
/// run now (the journal failed it) is left out, as the registry that came before did.</summary>
public static class AppListing
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(10);

    public static async Task<AppList> ListAsync(IActorRef apps, ActorSystem system, EngineSettings settings, CancellationToken ct)
    {
        var index = await new JournalReader(system, settings).AppsAsync(ct);
        var views = await Task.WhenAll(index.All.Select(async app => index.Deployed.Contains(app)
            ? await apps.Ask<object>(new GetApp(app), AskTimeout, ct) as AppView
            : AppQueriesActor.IdleView(app, settings)));
        return new AppList([.. views.OfType<AppView>()]);
    }
}
