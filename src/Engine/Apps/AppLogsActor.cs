using System.Threading.Channels;
using Akka.Actor;
using Engine.Containers;
using Engine.Protocol;
using Engine.Workers;

namespace Engine.Apps;

/// <summary>One `engine logs` request on the node that answers it: a <see cref="ContainerLogsActor"/> on every up worker,
/// their lines into <paramref name="output"/>. Not following, it merges every worker's lines in timestamp order and
/// keeps the last <see cref="ReadAppLogs.Tail"/>; following, it passes each batch on in timestamp order as it comes.
/// The request stops it when its client goes.</summary>
public sealed class AppLogsActor : ReceiveActor
{
    private readonly HashSet<IActorRef> _open = [];
    private readonly List<AppLogLine> _all = [];
    private readonly List<string> _errors = [];

    public static Props Props(ReadAppLogs query, IWorkers workers, ChannelWriter<AppLogLine> output) =>
        Akka.Actor.Props.Create(() => new AppLogsActor(query, workers, output));

    public AppLogsActor(ReadAppLogs query, IWorkers workers, ChannelWriter<AppLogLine> output)
    {
        void Done()
        {
            if (_open.Count > 0) return;
            foreach (var line in _all.OrderBy(l => l.At).TakeLast(query.Tail)) output.TryWrite(line);
            output.TryComplete(_errors.Count > 0 && _all.Count == 0 ? new InvalidOperationException(string.Join("; ", _errors)) : null);
            Context.Stop(Self);
        }
        Receive<AppLogLines>(batch =>
        {
            Sender.Tell(AppLogLinesTaken.Instance);
            if (batch.Error is { } error) _errors.Add(error);
            if (query.Follow) foreach (var line in batch.Lines.OrderBy(l => l.At)) output.TryWrite(line);
            else _all.AddRange(batch.Lines);
            if (!batch.End) return;
            _open.Remove(Sender);
            Done();
        });
        // A worker that left: the others go on.
        Receive<Terminated>(t =>
        {
            if (_open.Remove(t.ActorRef)) _errors.Add($"worker {t.ActorRef.Path.Address} left");
            Done();
        });
        foreach (var worker in workers.Addresses(Context.System))
            _open.Add(Context.Watch(Context.ActorOf(workers.On(worker, ContainerLogsActor.Props(query)))));
        if (_open.Count == 0) _errors.Add("no worker node is up to ask its Docker engine");
        Done();
    }
}
