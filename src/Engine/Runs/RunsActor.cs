using Akka.Actor;
using Akka.Persistence;
using Engine.Containers;
using Engine.Journal;
using Engine.Protocol;
using Engine.Workers;

namespace Engine.Runs;

/// <summary>An app's one-off runs (`engine run`), a child of its app: journals each run's start and end
/// (<see cref="OneOffStarted"/>, <see cref="OneOffEnded"/>, once each) in its own history, places it on a worker with
/// room that holds the image, and keeps a <see cref="RunActor"/> there per running one; after a restart (a failover)
/// it finds them again by their labels. What may start and what ends is <see cref="RunsState"/>'s to say.</summary>
public sealed class RunsActor : AnsweringPersistentActor
{
    public const string PersistencePrefix = "one-offs-";
    public static string NameFor(string app) => PersistencePrefix + app;
    private static readonly TimeSpan DescribeTimeout = TimeSpan.FromSeconds(10);
    private readonly IWorkers _workers;
    private RunsState _state;
    /// <summary>Who waits for a run's container to exist; who waits for a stopped run's end.</summary>
    private readonly Dictionary<int, IActorRef> _starting = [];
    private readonly Dictionary<int, List<IActorRef>> _stopping = [];

    /// <summary>From the app: a message about its runs, with what a new one starts from (null: no routed release).</summary>
    public sealed record Requested(IRunMessage Message, RunRelease? Release);

    private sealed record Placed(StartRun Run, RunRelease Release, IReadOnlyList<WorkerInfo> Workers, IActorRef ReplyTo);

    public static Props Props(string app, IWorkers workers) => Akka.Actor.Props.Create(() => new RunsActor(app, workers));

    /// <summary>An app's one-off runs' child of its actor: made again after a journal failure stopped it.</summary>
    public static IActorRef ChildOf(IUntypedActorContext app, string name, IWorkers workers) =>
        app.Child("runs") is var runs && !runs.IsNobody() ? runs : app.ActorOf(Props(name, workers), "runs");

    public override string PersistenceId => NameFor(_state.App);

    public RunsActor(string app, IWorkers workers)
    {
        (_state, _workers) = (new RunsState(app), workers);
        Recover<IAppEvent>(e => _state = _state.Apply(e));
        Recover<RecoveryCompleted>(_ =>
        {
            foreach (var run in _state.Running.Values) Spawn(run, new Dictionary<string, string>(), recovered: true);
            if (_state.Last == 0) return;
            var sweep = RemoveContainers.OneOffsBut(app, _state.Running.Values.Select(r => r.Slot));
            foreach (var worker in _workers.Addresses(Context.System))
                Context.ActorOf(_workers.On(worker, ContainerOperationsActor.Props())).Tell(sweep);
        });

        Command<Requested>(r => r.Message is not StartRun, r => Self.Forward(r.Message));
        Command<Requested>(r =>
        {
            var (up, asking, run) = (_workers.Up(Context.System), Sender, (StartRun)r.Message);
            if (RunsState.Refuse(run, r.Release) is { } refused) Sender.Tell(refused);
            else if (up.Count == 0) Sender.Tell(new AppError("no worker node is up to run it", Unavailable: true));
            else DescribeAsync(up.Select(w => WorkerActor.At(Context, w.Address.ToString())).ToList())
                .PipeTo(Self, asking, found => new Placed(run, r.Release!, found, asking));
        });
        Command<Placed>(p =>
        {
            var (run, release) = (p.Run, p.Release);
            if (RunsState.Place(p.Workers, release) is not { } worker)
            {
                p.ReplyTo.Tell(new AppError(RunsState.NoRoom(p.Workers, release), Conflict: true));
                return;
            }
            PersistFor(p.ReplyTo, _state.Start(run, release, worker.Name, DateTimeOffset.UtcNow), e =>
            {
                _state = _state.Apply(e);
                _starting[e.Number] = p.ReplyTo;
                Spawn(e, release.Env.Concat(run.Env).GroupBy(kv => kv.Key).ToDictionary(g => g.Key, g => g.Last().Value), recovered: false);
            });
        });
        Command<RunCreated>(c =>
        {
            if (_starting.Remove(c.Number, out var asking) && _state.Find(c.Number) is { } view) asking.Tell(view);
        });
        Command<RunExited>(x =>
        {
            // From its actor, or from this one when its actor's worker is gone.
            var run = Sender.Equals(Self) ? ActorRefs.Nobody : Sender;
            if (_state.End(x, DateTimeOffset.UtcNow) is not { } ended) { run.Tell(new EndRun(Remove: true)); return; }
            PersistFor(_starting.GetValueOrDefault(x.Number, ActorRefs.Nobody), ended, e =>
            {
                _state = _state.Apply(e);
                run.Tell(new EndRun(Remove: true));
                if (_starting.Remove(e.Number, out var asking)) asking.Tell(new AppError($"the one-off {e.Error}", Unavailable: true));
                if (_stopping.Remove(e.Number, out var stoppers) && _state.Find(e.Number) is { } view)
                    foreach (var s in stoppers) s.Tell(view);
            });
        });
        Command<StopRun>(s =>
        {
            if (Refuse(s.Number) is { } refused) { Sender.Tell(refused); return; }
            (_stopping.TryGetValue(s.Number, out var list) ? list : _stopping[s.Number] = []).Add(Sender);
            Child(s.Number).Tell(new EndRun(Remove: false));
        });
        Command<AttachRun>(a =>
        {
            if (Refuse(a.Number) is { } refused) a.Session.Tell(refused);
            else Child(a.Number).Forward(a);
        });
        Command<GetRuns>(_ => Sender.Tell(_state.List));
        Command<ContainersRemoved>(_ => Context.Stop(Sender)); // a sweep's answer: its child is done
        // Its worker left: whether it finished is unknown, and nothing is left to wait for.
        Command<Terminated>(t =>
        {
            if (!int.TryParse(t.ActorRef.Path.Name.Split('-')[^1], out var n) || !_state.Running.TryGetValue(n, out var run)) return;
            if (t.AddressTerminated) Self.Tell(new RunExited(n, null, $"its worker node {run.Worker} left: whether it finished is unknown"));
            else Spawn(run, new Dictionary<string, string>(), recovered: true);
        });
    }

    private AppError? Refuse(int number) => _state.Running.ContainsKey(number)
        ? Child(number).IsNobody() ? new AppError($"{RunId.Of(_state.App, number)} is being found again on its worker; try again", Unavailable: true) : null
        : _state.Find(number) is { } ended ? new AppError($"{ended.Id} has ended ({ended.Status})", Conflict: true)
        : new AppError($"{_state.App} has no one-off {number}", NotFound: true);

    private IActorRef Child(int number) => Context.Child(Procfile.OneOff + "-" + number);

    /// <summary>Its actor on its worker; a worker that is not up any more ends the run.</summary>
    private void Spawn(OneOffStarted run, IReadOnlyDictionary<string, string> env, bool recovered)
    {
        if (_workers.Find(Context.System, run.Worker) is not { } worker)
        {
            Self.Tell(new RunExited(run.Number, null, $"its worker node {run.Worker} is not up: whether it finished is unknown"));
            return;
        }
        var plan = new RunPlan(run.Number, RunsState.Spec(run, env), run.Detached, run.Tty, run.Timeout, recovered);
        Context.Watch(Context.ActorOf(_workers.On(worker, RunActor.Props(plan)), run.Slot));
    }

    /// <summary>Each up worker's room; one that does not answer is left out.</summary>
    private static async Task<IReadOnlyList<WorkerInfo>> DescribeAsync(IReadOnlyList<ActorSelection> workers)
    {
        var asked = workers.Select(async w =>
        {
            try { return await w.Ask<WorkerInfo>(new DescribeWorker(null), DescribeTimeout); }
            catch (Exception) { return null; } // no answer in time, or its Docker engine could not list its containers
        });
        return (await Task.WhenAll(asked)).OfType<WorkerInfo>().ToList();
    }
}
