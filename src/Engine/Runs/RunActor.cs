using Akka.Actor;
using Engine.Containers;
using Engine.Protocol;

namespace Engine.Runs;

/// <summary>One `engine run` on its worker: starts its one-off container (<see cref="OneOffContainer"/>, as the hook's),
/// or after its owner restarted finds it again by its labels; relays an attached client's input, output, signals and
/// terminal size through Docker's attach; stops it after its timeout without output, or when its client goes away;
/// reports RunExited to its owner, and removes the container once the owner has journaled the end (EndRun).</summary>
public sealed class RunActor : ReceiveActor, IWithTimers
{
    /// <summary>An attached run's container waits this long for its client, then goes.</summary>
    public static readonly TimeSpan AttachPatience = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan OutputTakeTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan OutputDrainLimit = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(10);
    private static readonly byte[] EndOfTerminalInput = [4];
    private readonly RunPlan _plan;
    private readonly IContainerRuntime _runtime;
    private readonly IActorRef _owner;
    private readonly CancellationTokenSource _stopping = new();
    private string? _id;
    private IActorRef? _session;
    private IContainerStream? _stream;
    /// <summary>Why it was stopped, when not by itself.</summary>
    private string? _why;
    private bool _ended, _removed, _waiting;
    /// <summary>The last byte of input sent on: whether a terminal's line is open.</summary>
    private byte _lastInput = (byte)'\n';

    private sealed record Created(string Id);
    private sealed record Attached(IContainerStream Stream, IActorRef Session);
    private sealed record Exited(long? Code);
    private sealed record Failed(string Error);
    private sealed record ClientLate;
    private sealed record Removed;

    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(RunPlan plan) => Akka.Actor.Props.Create(() => new RunActor(plan));

    public RunActor(RunPlan plan)
    {
        (_plan, _owner, _runtime) = (plan, Context.Parent, DockerHost.Get(Context.System).Runtime);
        Receive<Created>(c =>
        {
            _id = c.Id;
            _owner.Tell(new RunCreated(_plan.Number));
            if (_plan.Detached) Wait(Task.CompletedTask);
            else Timers.StartSingleTimer("client", new ClientLate(), AttachPatience);
        });
        Receive<Failed>(f => End(null, f.Error));
        Receive<AttachRun>(_ => _id is not null && _session is null && !_plan.Detached && !_ended, a =>
        {
            _session = a.Session;
            Context.Watch(_session);
            AttachAsync(_id!, a, _stopping.Token).PipeTo(Self, failure: e => new Failed($"could not attach to the run: {e.Message}"));
        });
        Receive<Attached>(a =>
        {
            _stream = a.Stream;
            a.Session.Tell(new RunAttached(_plan.Number));
            Wait(PumpAsync(a.Stream, a.Session, _stopping.Token));
        });
        Receive<AttachRun>(a => a.Session.Tell(new AppError($"{_plan.Spec.App}/{_plan.Spec.Slot} cannot be attached to: "
            + (_plan.Detached ? "it runs detached" : _ended ? "it has ended" : _session is not null ? "a client is attached already" : "it is starting"), Conflict: true)));
        Receive<RunInput>(i =>
        {
            var stream = _stream;
            if (i.Data.Length > 0) _lastInput = i.Data[^1];
            (stream is null ? Task.CompletedTask
                    : i.Data.Length > 0 ? stream.WriteAsync(i.Data, _stopping.Token)
                    // Docker ends a terminal's output when its input closes: the terminal's own end of input (^D) instead,
                    // twice after a partial line (the first only ends the line).
                    : _plan.Tty ? stream.WriteAsync(_lastInput == '\n' ? EndOfTerminalInput : [.. EndOfTerminalInput, .. EndOfTerminalInput], _stopping.Token)
                    : Task.Run(stream.CloseInput))
                .PipeTo(Sender, success: () => RunInputTaken.Instance);
        });
        Receive<RunSignal>(s => { if (_id is not null) _runtime.SignalAsync(_id, s.Signal, _stopping.Token).PipeTo(ActorRefs.Nobody); });
        Receive<RunResize>(r => { if (_id is not null && _plan.Tty) _runtime.ResizeAsync(_id, r.Width, r.Height, _stopping.Token).PipeTo(ActorRefs.Nobody); });
        Receive<Exited>(x => End(x.Code, x.Code is null ? $"no output for {_plan.Timeout}: stopped" : _why));
        Receive<Terminated>(t => t.ActorRef.Equals(_session) && !_ended, _ => Stop("its client went away", TimeSpan.Zero));
        Receive<ClientLate>(_ => _session is null && !_ended, _ =>
        {
            _why = $"no client attached within {AttachPatience.TotalSeconds:0} s";
            Remove();
        });
        Receive<EndRun>(e => !e.Remove && !_ended, _ => Stop("stopped by `engine run stop`", StopGrace));
        Receive<EndRun>(e => e.Remove, _ => Remove());
        Receive<Removed>(_ =>
        {
            _removed = true;
            if (_ended) Context.Stop(Self);
            else if (!_waiting) End(null, _why ?? "its container was removed"); // else its wait reports the exit code
        });
    }

    protected override void PreStart()
    {
        var ct = _stopping.Token;
        if (_plan.Recovered) FindAsync(ct).PipeTo(Self, failure: e => new Failed($"could not look for its container: {e.Message}"));
        else OneOffContainer.StartAsync(_runtime, _plan.Spec, _plan.Detached ? null : new Terminal(_plan.Tty), ct)
            .PipeTo(Self, success: id => new Created(id), failure: e => new Failed($"could not start: {e.Message}"));
    }

    /// <summary>An attached run's client cannot come back once its actor is gone: nothing is left behind.</summary>
    protected override void PostStop()
    {
        _stopping.Cancel();
        _stream?.Dispose();
        if (!_plan.Detached && _id is not null && !_removed)
            _ = _runtime.StopAndRemoveAsync(_id, TimeSpan.Zero, CancellationToken.None);
    }

    /// <summary>After its owner restarted: a detached run is waited for again; an attached one's client is gone.</summary>
    private async Task<object> FindAsync(CancellationToken ct)
    {
        if (await OneOffContainer.FindAsync(_runtime, _plan.Spec, ct) is not { } found)
            return new Failed("its container is gone: whether it finished is unknown");
        if (_plan.Detached) return new Created(found.Id);
        await _runtime.StopAndRemoveAsync(found.Id, TimeSpan.Zero, ct);
        return new Failed("its owner node went away while its client was attached: stopped");
    }

    private async Task<object> AttachAsync(string id, AttachRun attach, CancellationToken ct)
    {
        var stream = await _runtime.AttachAsync(id, _plan.Tty, ct);
        try
        {
            await _runtime.StartExistingAsync(id, ct);
            // A command that ended at once has no terminal left to size: nothing lost.
            if (_plan.Tty && attach.Width > 0 && attach.Height > 0)
                try { await _runtime.ResizeAsync(id, attach.Width, attach.Height, ct); }
                catch (ContainerRuntimeException) { }
            return new Attached(stream, attach.Session);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>One chunk at a time, each once the client's node has taken the one before: a slow client slows the
    /// process down rather than filling memory.</summary>
    private static async Task PumpAsync(IContainerStream stream, IActorRef session, CancellationToken ct)
    {
        var buffer = new byte[32 * 1024];
        while (true)
        {
            var (count, stderr) = await stream.ReadAsync(buffer, ct);
            if (count == 0) return;
            await session.Ask<RunOutputTaken>(new RunOutput(buffer[..count], stderr), OutputTakeTimeout, ct);
        }
    }

    /// <summary>Its exit code, once its output has reached the client; null after its timeout without output (then it
    /// is stopped).</summary>
    private void Wait(Task output)
    {
        _waiting = true;
        var (runtime, id, timeout, ct) = (_runtime, _id!, _plan.Timeout, _stopping.Token);
        async Task<object> WaitAsync()
        {
            var code = await OneOffContainer.WaitAsync(runtime, id, timeout, idle: true, _ => { }, ct);
            if (code is null) await runtime.StopAndRemoveAsync(id, StopGrace, ct);
            await Task.WhenAny(output, Task.Delay(OutputDrainLimit, ct));
            return new Exited(code);
        }
        WaitAsync().PipeTo(Self, failure: e => new Failed($"lost track of its container: {e.Message}"));
    }

    private void Stop(string why, TimeSpan grace)
    {
        _why = why;
        if (_id is null) return;
        _runtime.StopAndRemoveAsync(_id, grace, _stopping.Token).PipeTo(Self, success: () => new Removed(),
            failure: e => new Failed($"{why}, but its container could not be removed: {e.Message}"));
    }

    private void Remove()
    {
        if (_id is null) { Self.Tell(new Removed()); return; }
        _runtime.StopAndRemoveAsync(_id, TimeSpan.Zero, _stopping.Token).PipeTo(Self, success: () => new Removed(),
            failure: e => new Failed($"its container could not be removed: {e.Message}"));
    }

    private void End(long? code, string? error)
    {
        if (_ended) return;
        _ended = true;
        var exited = new RunExited(_plan.Number, code, error);
        _session?.Tell(exited);
        _owner.Tell(exited);
    }
}
