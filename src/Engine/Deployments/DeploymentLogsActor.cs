using System.Text;
using Akka.Actor;
using Akka.Event;
using Engine.Journal;
using Engine.Protocol;

namespace Engine.Deployments;

/// <summary>The deployments' logs on this node: lines of the deployments that run here go to the journal's database
/// (<see cref="DeploymentLogTable"/>) in batches, one write per deployment at a time, and their waiters hear of each
/// write; reads come from the database, so a log survives its node. Logs written before they went to the database are
/// files in the node's data directory, still read. One per node, at /user/deployment-logs.</summary>
public sealed class DeploymentLogsActor : ReceiveActor, IWithTimers
{
    public const string Name = "deployment-logs";
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(1);
    /// <summary>Lines a deployment may hold here while the database does not take them; later ones are counted, not kept.</summary>
    private const int MaxBufferedBytes = 4 * 1024 * 1024;

    /// <summary>A line of a deployment that runs on this node; <paramref name="Hook"/>: the postdeploy hook's own output.</summary>
    public sealed record Append(string DeploymentId, string Line, bool Hook = false);

    /// <summary>The deployment has ended: its state here goes once its lines are written.</summary>
    public sealed record Forget(string DeploymentId);

    private sealed record EndRead(string DeploymentId, long End);

    private sealed record Written(string DeploymentId, bool Stored, int Bytes);

    private sealed record WriteFailed(string DeploymentId, string Error);

    private sealed record Retry(string DeploymentId);

    private sealed class Log
    {
        public long? End;
        public List<(string Line, bool Hook)> Lines = [];
        public List<(string Line, bool Hook)>? Sending;
        public long Bytes;
        public int Dropped;
        public bool Forgotten;
        /// <summary>Reads that wait for the lines before them to be written (a reader sees what it was told of).</summary>
        public List<(IActorRef Sender, ReadDeploymentLog Read)> Readers = [];
    }

    private readonly Dictionary<string, Log> _logs = [];
    private readonly JournalSettings _journal;
    private readonly DeploymentSettings _settings;
    private readonly ILoggingAdapter _log = Context.GetLogger();

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(DeploymentSettings settings, JournalSettings journal) =>
        Akka.Actor.Props.Create(() => new DeploymentLogsActor(settings, journal));

    /// <summary>The one of this node.</summary>
    public static ActorSelection Here(IActorContext context) => context.ActorSelection(new RootActorPath(context.Self.Path.Address) / "user" / Name);

    public DeploymentLogsActor(DeploymentSettings settings, JournalSettings journal)
    {
        (_journal, _settings) = (journal, settings);
        Receive<Append>(a =>
        {
            var log = Of(a.DeploymentId);
            log.Forgotten = false;
            if (log.Bytes > MaxBufferedBytes) log.Dropped++;
            else
            {
                log.Lines.Add((a.Line, a.Hook));
                log.Bytes += a.Line.Length + 1;
            }
            if (log.Sending is null) Next(a.DeploymentId, log);
        });
        Receive<Forget>(f => { if (_logs.TryGetValue(f.DeploymentId, out var log)) { log.Forgotten = true; Next(f.DeploymentId, log); } });
        Receive<EndRead>(r => Sent(r.DeploymentId, log => log.End = r.End));
        Receive<Written>(w => Sent(w.DeploymentId, log =>
        {
            if (!w.Stored) log.End = null; // another node wrote there first: after the end it reads again
            else
            {
                log.End += w.Bytes;
                log.Sending = [];
                Context.System.EventStream.Publish(new DeploymentChanged(w.DeploymentId));
            }
        }));
        Receive<WriteFailed>(f =>
        {
            _log.Warning("the log of {0} is not written yet, trying again in {1} s: {2}", f.DeploymentId, RetryAfter.TotalSeconds, f.Error);
            Timers.StartSingleTimer(f.DeploymentId, new Retry(f.DeploymentId), RetryAfter);
        });
        Receive<Retry>(r => Sent(r.DeploymentId, _ => { }));
        // Those written, and those still on their way there from this node.
        Receive<CountHookLines>(c =>
        {
            var pending = _logs.TryGetValue(c.DeploymentId, out var log) ? log.Lines.Concat(log.Sending ?? []).Count(l => l.Hook) : 0;
            DeploymentLogTable.EndAsync(journal, c.DeploymentId, CancellationToken.None)
                .PipeTo(Sender, success: end => new HookLinesLogged(end.HookLines + pending), failure: _ => new HookLinesLogged(pending));
        });
        Receive<ReadDeploymentLog>(r =>
        {
            if (Gone() is { } gone) Sender.Tell(gone);
            else if (_logs.TryGetValue(r.DeploymentId, out var log) && (log.Lines.Count > 0 || log.Sending is not null)) log.Readers.Add((Sender, r));
            else Read(r, Sender);
        });
        Receive<WatchDeployment>(w =>
        {
            if (Gone() is { } gone)
            {
                Sender.Tell(gone);
                return;
            }
            // The event stream unsubscribes it once it stops, wherever it runs.
            Context.System.EventStream.Subscribe(w.Waiter, typeof(DeploymentChanged));
            var legacy = new FileInfo(settings.LogPath(w.DeploymentId));
            DeploymentLogTable.EndAsync(journal, w.DeploymentId, CancellationToken.None).PipeTo(Sender,
                success: end => new WatchingDeployment(end.End == 0 && legacy.Exists ? legacy.Length : end.End), failure: Unreadable);
        });
    }

    /// <summary>On SQLite the logs' database is in the data directory: a pooled connection would still read a deleted one.</summary>
    private AppError? Gone() =>
        _journal.UsesSqlite && Path.GetDirectoryName(Path.GetFullPath(_journal.DatabasePath)) is { } dir && !Directory.Exists(dir)
            ? new AppError($"the data directory {dir} is gone (was the data directory removed?)", Unavailable: true)
            : null;

    private void Read(ReadDeploymentLog r, IActorRef sender)
    {
        var legacy = _settings.LogPath(r.DeploymentId);
        DeploymentLogTable.ReadAsync(_journal, r.DeploymentId, r.Offset, FileChunk.Size, CancellationToken.None).PipeTo(sender,
            success: read => read is { Data.Length: 0, Last: true } && File.Exists(legacy)
                ? FileChunk.Read(legacy, r.Offset, missing: null)
                : new FileChunk(r.Offset, read.Data, read.Last),
            failure: Unreadable);
    }

    private static AppError Unreadable(Exception e) =>
        new($"the deployment's log cannot be read from the journal's database: {e.GetBaseException().Message}", Unavailable: true);

    private Log Of(string deploymentId) => _logs.TryGetValue(deploymentId, out var log) ? log : _logs[deploymentId] = new Log();

    /// <summary>A database step of the deployment's log has answered: the next one may go.</summary>
    private void Sent(string deploymentId, Action<Log> done)
    {
        if (!_logs.TryGetValue(deploymentId, out var log)) return;
        done(log);
        // Lines not written go back in front of the newer ones.
        if (log.Sending is { Count: > 0 } unsent)
        {
            log.Lines.InsertRange(0, unsent);
            log.Bytes += unsent.Sum(l => l.Line.Length + 1);
        }
        log.Sending = null;
        Next(deploymentId, log);
    }

    /// <summary>One database step at a time per deployment: its end first, then its buffered lines as one chunk.</summary>
    private void Next(string deploymentId, Log log)
    {
        if (log.Sending is not null) return;
        if (log.Dropped > 0 && log.Bytes <= MaxBufferedBytes)
        {
            log.Lines.Add(($"[{log.Dropped} line(s) dropped: the journal's database did not take them in time]", false));
            log.Dropped = 0;
        }
        if (log.Lines.Count == 0)
        {
            foreach (var (sender, read) in log.Readers) Read(read, sender);
            log.Readers.Clear();
            if (log.Forgotten) _logs.Remove(deploymentId);
            return;
        }
        log.Sending = [];
        if (log.End is not { } end)
        {
            DeploymentLogTable.EndAsync(_journal, deploymentId, CancellationToken.None)
                .PipeTo(Self, success: e => new EndRead(deploymentId, e.End), failure: e => new WriteFailed(deploymentId, e.GetBaseException().Message));
            return;
        }
        (log.Sending, log.Lines) = (log.Lines, []);
        log.Bytes = 0;
        var chunk = Encoding.UTF8.GetBytes(string.Concat(log.Sending.Select(l => l.Line + "\n")));
        DeploymentLogTable.AppendAsync(_journal, deploymentId, end, chunk, log.Sending.Count(l => l.Hook), CancellationToken.None)
            .PipeTo(Self, success: stored => new Written(deploymentId, stored, chunk.Length),
                failure: e => new WriteFailed(deploymentId, e.GetBaseException().Message));
    }
}
