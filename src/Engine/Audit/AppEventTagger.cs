using Akka.Persistence.Journal;
using Engine.Protocol;

namespace Engine.Audit;

/// <summary>Tags every app and deployment event with `app:NAME`, so one app's history is one tag query, and with
/// `node:ADDRESS`, the node that wrote it (<paramref name="node"/>; none when not known), for the audit.</summary>
public sealed class AppEventTagger(Func<string>? node = null) : IWriteEventAdapter
{
    public const string NodePrefix = "node:";

    public static string TagFor(string app) => $"app:{app}";

    public string Manifest(object evt) => string.Empty;

    public object ToJournal(object evt) => evt is IAppEvent e
        ? new Tagged(evt, node is null ? [TagFor(e.App)] : [TagFor(e.App), NodePrefix + node()])
        : evt;
}
