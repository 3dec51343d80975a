using Akka.Actor;
using Engine.Protocol;

namespace Engine.Containers;

/// <summary>One `engine logs` request on one worker: reads the output of the app's containers here that match it, and,
/// following, of those that start later (woken by Docker's `start` events, never polling). Sends its parent batches of
/// lines, one at a time, each once the one before was taken; while a reader is slow it keeps at most
/// <see cref="MaxPending"/> lines and counts the rest.</summary>
public sealed class ContainerLogsActor : ReceiveActor
{
    private const int BatchLines = 500;
    private const int MaxPending = 10_000;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<AppLogLine> _pending = [];
    private readonly HashSet<string> _reading = [];
    private readonly IActorRef _parent = Context.Parent;
    private bool _awaitingTaken, _listed, _ended;
    private int _dropped;

    private sealed record Listed(IReadOnlyList<ContainerSummary> Containers);

    private sealed record Line(AppLogLine Text);

    private sealed record ReadEnded(string ContainerId);

    private sealed record Failed(string Error);

    public static Props Props(ReadAppLogs query) => Akka.Actor.Props.Create(() => new ContainerLogsActor(query));

    public ContainerLogsActor(ReadAppLogs query)
    {
        var host = DockerHost.Get(Context.System);
        var runtime = host.Runtime;
        var worker = host.NameIn(Context.System);
        var self = Self;

        void Read(string id, string slot, string version, string type, LogQuery logs)
        {
            if (!_reading.Add(id)) return;
            runtime.ReadLogsAsync(id, logs, l => self.Tell(new Line(new AppLogLine(l.At, slot, version, type, l.Stderr ? "stderr" : "stdout",
                    l.Text, worker))), _stopping.Token)
                .ContinueWith(_ => self.Tell(new ReadEnded(id)), TaskContinuationOptions.ExecuteSynchronously);
        }

        Receive<Listed>(l =>
        {
            foreach (var c in l.Containers.Where(c => query.Matches(c.Type, c.Slot)))
                Read(c.Id, c.Slot, c.Version, c.Type, new LogQuery(query.Tail, query.Since, query.Follow && c.State == "running"));
            _listed = true;
            Send();
        });
        // A container that starts while following (a new release's, a restarted one): from its start on.
        Receive<ContainerEvent>(e =>
        {
            var type = e.Slot[..Math.Max(0, e.Slot.LastIndexOf('-'))];
            if (query.Matches(type, e.Slot))
                Read(e.ContainerId, e.Slot, e.DeploymentId[(e.DeploymentId.LastIndexOf('-') + 1)..], type,
                    new LogQuery(null, DateTimeOffset.UtcNow.AddSeconds(-1), Follow: true));
        });
        Receive<Line>(l =>
        {
            if (_pending.Count >= MaxPending) _dropped++;
            else _pending.Add(l.Text);
            Send();
        });
        Receive<ReadEnded>(r =>
        {
            // A stopped container may start again: then its `start` event reads it anew.
            _reading.Remove(r.ContainerId);
            Send();
        });
        Receive<AppLogLinesTaken>(_ =>
        {
            _awaitingTaken = false;
            Send();
        });
        Receive<Failed>(f =>
        {
            _parent.Tell(new AppLogLines([], End: true, $"worker {worker}: {f.Error}"));
            _ended = true;
        });

        if (query.Follow)
            runtime.WatchAsync(e => self.Tell(e), _stopping.Token, "start", query.App)
                .ContinueWith(t => { if (t.IsFaulted) self.Tell(new Failed(t.Exception!.GetBaseException().Message)); },
                    TaskContinuationOptions.ExecuteSynchronously);
        runtime.ListAsync(query.App, _stopping.Token).PipeTo(Self, success: found => new Listed(found),
            failure: e => new Failed(e.GetBaseException().Message));

        void Send()
        {
            if (_awaitingTaken || _ended) return;
            var done = !query.Follow && _listed && _reading.Count == 0;
            if (_pending.Count == 0 && _dropped == 0 && !done) return;
            var batch = _pending.Take(BatchLines).ToList();
            _pending.RemoveRange(0, batch.Count);
            if (_dropped > 0 && _pending.Count == 0)
            {
                batch.Add(new AppLogLine(DateTimeOffset.UtcNow, "-", "-", "-", "stderr",
                    $"[{_dropped} line(s) dropped on worker {worker}: the reader was slower than the containers]", worker));
                _dropped = 0;
            }
            _ended = done && _pending.Count == 0;
            _awaitingTaken = true;
            _parent.Tell(new AppLogLines(batch, _ended));
        }
    }

    protected override void PostStop() => _stopping.Cancel();
}
