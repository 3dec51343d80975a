using Akka.Persistence.Journal;
using Engine.Deployments;

namespace Engine.Audit;

/// <summary>Tags every app and deployment event with `app:NAME`, so one app's history is one tag query.</summary>
public sealed class AppEventTagger : IWriteEventAdapter
{
    public static string TagFor(string app) => $"app:{app}";

    public string Manifest(object evt) => string.Empty;

    public object ToJournal(object evt) => evt is IAppEvent e ? new Tagged(evt, [TagFor(e.App)]) : evt;
}
