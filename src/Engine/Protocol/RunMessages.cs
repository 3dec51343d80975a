using Akka.Actor;

namespace Engine.Protocol;

/// <summary>For an app's one-off runs (its <c>RunsActor</c>).</summary>
public interface IRunMessage : IAppMessage;

/// <summary>`engine run`: a one-off container of the routed release, with the app's env plus <paramref name="Env"/>
/// (-> RunView once its container exists | AppError). <paramref name="Timeout"/>: stopped after that long without
/// output. Detached, it starts at once; attached, it starts when its client attaches (<see cref="AttachRun"/>).</summary>
[Manifest("start-run.v1")]
public sealed record StartRun(string App, string Command, IReadOnlyDictionary<string, string> Env, bool Detach, bool Tty,
    TimeSpan Timeout, string? By = null) : IRunMessage;

/// <summary>`engine run stop`: stops one-off-N (-> RunView once it has ended | AppError).</summary>
[Manifest("stop-run.v1")]
public sealed record StopRun(string App, int Number, string? By = null) : IRunMessage;

[Manifest("get-runs.v1")]
public sealed record GetRuns(string App) : IRunMessage;                               // -> RunList

/// <summary>A client's session (on the node it reached) attaches to one-off-N: the session gets RunAttached from the
/// run's actor, then RunOutput (each answered RunOutputTaken) and RunExited; or AppError.</summary>
[Manifest("attach-run.v1")]
public sealed record AttachRun(string App, int Number, IActorRef Session, int Width, int Height) : IRunMessage;

/// <param name="Status">running, or exited (<paramref name="ExitCode"/>), or failed (<paramref name="Error"/>).</param>
[Manifest("run-view.v1")]
public sealed record RunView(string Id, string App, int Number, string Command, string Version, string DeploymentId,
    string Worker, bool Detached, string? By, DateTimeOffset StartedAt, string Status, long? ExitCode = null,
    string? Error = null, DateTimeOffset? EndedAt = null) : IEngineMessage;

[Manifest("run-list.v1")]
public sealed record RunList(IReadOnlyList<RunView> Runs) : IEngineMessage, IListReply
{
    object IListReply.Items => Runs;
}

[Manifest("run-attached.v1")]
public sealed record RunAttached(int Number) : IEngineMessage;

/// <summary>Output of an attached run, one chunk at a time: the next comes once this one is taken.</summary>
[Manifest("run-output.v1")]
public sealed record RunOutput(byte[] Data, bool Stderr) : IEngineMessage;

[Manifest("run-output-taken.v1")]
public sealed record RunOutputTaken : IEngineMessage
{
    public static readonly RunOutputTaken Instance = new();
}

/// <summary>Input for an attached run (-> RunInputTaken); no data: the end of its input.</summary>
[Manifest("run-input.v1")]
public sealed record RunInput(byte[] Data) : IEngineMessage;

[Manifest("run-input-taken.v1")]
public sealed record RunInputTaken : IEngineMessage
{
    public static readonly RunInputTaken Instance = new();
}

/// <summary>A signal for the run's process (Ctrl-C without a terminal: INT).</summary>
[Manifest("run-signal.v1")]
public sealed record RunSignal(string Signal) : IEngineMessage;

[Manifest("run-resize.v1")]
public sealed record RunResize(int Width, int Height) : IEngineMessage;

/// <summary>The run's container exited (<paramref name="ExitCode"/>), or its end is known otherwise (<paramref name="Error"/>).</summary>
[Manifest("run-exited.v1")]
public sealed record RunExited(int Number, long? ExitCode, string? Error) : IEngineMessage;

/// <summary>The run's container exists (detached: and runs).</summary>
[Manifest("run-created.v1")]
public sealed record RunCreated(int Number) : IEngineMessage;

/// <summary>To a run's actor: stop its container (`engine run stop`), or remove it once its end is journaled.</summary>
[Manifest("end-run.v1")]
public sealed record EndRun(bool Remove) : IEngineMessage;

/// <summary>Journaled before the container is created, so an owner after a failover finds it by its labels.</summary>
[Manifest("one-off-started.v1")]
public sealed record OneOffStarted(string App, int Number, string Command, string DeploymentId, string Version, string Image,
    string Worker, bool Detached, bool Tty, TimeSpan Timeout, string? By, DateTimeOffset At) : IAppEvent
{
    public string Slot => $"{Procfile.OneOff}-{Number}";
}

/// <summary>Journaled once per run; the output is never journaled.</summary>
[Manifest("one-off-ended.v1")]
public sealed record OneOffEnded(string App, int Number, long? ExitCode, string? Error, DateTimeOffset At) : IAppEvent;

/// <summary>What a run's actor on its worker is made with: its container, and whether it is found again after its
/// owner restarted (<paramref name="Recovered"/>) rather than started.</summary>
[Manifest("run-plan.v1")]
public sealed record RunPlan(int Number, ContainerSpec Spec, bool Detached, bool Tty, TimeSpan Timeout, bool Recovered) : IEngineMessage;
