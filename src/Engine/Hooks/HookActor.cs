using Akka.Actor;
using Engine.Containers;
using Engine.Protocol;

namespace Engine.Hooks;

/// <summary>Runs the postdeploy command in a one-off container from the new image, or after a restart re-attaches to
/// the one already started (found by its labels); replies HookSucceeded, HookFailed or HookLost. It never removes the
/// container: that waits until the deployment has journaled the outcome (<see cref="RemoveContainers.HookOf"/>), so a
/// restart in between can still read the exit code. The container's files never reach the app's other containers.
/// It uses the Docker engine of the node it runs on (<see cref="DockerHost"/>), through <see cref="OneOffContainer"/> as
/// `engine run` does.</summary>
public sealed class HookActor : ReceiveActor
{
    private static readonly TimeSpan CountTimeout = TimeSpan.FromSeconds(10);
    private readonly CancellationTokenSource _stopping = new();

    public static Props Props(ContainerSpec spec, TimeSpan timeout) =>
        Akka.Actor.Props.Create(() => new HookActor(spec, new Duration(timeout), false));

    /// <summary>After a restart during the hook: wait for its container if it still runs, read its exit code if not.</summary>
    public static Props Attach(ContainerSpec spec, TimeSpan timeout) =>
        Akka.Actor.Props.Create(() => new HookActor(spec, new Duration(timeout), true));

    public HookActor(ContainerSpec spec, Duration timeout, bool attach)
    {
        var parent = Context.Parent;
        var runtime = DockerHost.Get(Context.System).Runtime;
        void Log(string line) => parent.Tell(new DeploymentLogLine(line));
        void Output(string line) => parent.Tell(new DeploymentLogLine(line, Hook: true));
        (attach ? AttachAsync(runtime, spec, timeout, Log, Output, parent, _stopping.Token) : RunAsync(runtime, spec, timeout, Log, Output, _stopping.Token))
            .PipeTo(parent, failure: e => new HookFailed($"the postdeploy hook could not run: {e.Message}"));
    }

    protected override void PostStop() => _stopping.Cancel();

    private static async Task<IDeploymentCommand> RunAsync(IContainerRuntime runtime, ContainerSpec spec, TimeSpan timeout,
        Action<string> log, Action<string> output, CancellationToken ct)
    {
        string id;
        try
        {
            log($"running postdeploy hook: {spec.Command}");
            id = await OneOffContainer.StartAsync(runtime, spec, null, ct);
        }
        catch (ContainerRuntimeException e)
        {
            return new HookFailed($"the postdeploy hook could not start: {e.Message}");
        }
        return await WaitForAsync(runtime, id, timeout, output, ct);
    }

    /// <summary>The output goes on after the lines the deployment's log holds already (the node before wrote them): the
    /// container's log replays from its start.</summary>
    private static async Task<IDeploymentCommand> AttachAsync(IContainerRuntime runtime, ContainerSpec spec, TimeSpan timeout,
        Action<string> log, Action<string> output, IActorRef deployment, CancellationToken ct)
    {
        ContainerSummary? found;
        try
        {
            found = await OneOffContainer.FindAsync(runtime, spec, ct);
        }
        catch (ContainerRuntimeException e)
        {
            return new HookFailed($"the node restarted during the postdeploy hook and could not look for its container: {e.Message}");
        }
        // Never created, or removed while the node was down: whether it ran is unknown, so the safe end is aborted.
        if (found is null)
            return new HookLost("the node restarted during the postdeploy hook and its container is gone");
        if (found.State == "created")
            return new HookLost("the node restarted before the postdeploy hook's container started");
        int logged;
        try { logged = (await deployment.Ask<HookLinesLogged>(new CountHookLines(spec.DeploymentId), CountTimeout, ct)).Count; }
        catch (AskTimeoutException) { logged = 0; }
        log($"the node restarted during the postdeploy hook: re-attached to its container ({found.State}); its output follows"
            + (logged > 0 ? $" after the {logged} line(s) logged before" : ""));
        var seen = 0;
        return await WaitForAsync(runtime, found.Id, timeout, line => { if (++seen > logged) output(line); }, ct);
    }

    private static async Task<IDeploymentCommand> WaitForAsync(IContainerRuntime runtime, string id, TimeSpan timeout,
        Action<string> log, CancellationToken ct)
    {
        try
        {
            return await OneOffContainer.WaitAsync(runtime, id, timeout, idle: false, log, ct) switch
            {
                null => new HookFailed($"the postdeploy hook did not finish within {timeout.TotalSeconds:0.#} s"),
                0 => HookSucceeded.Instance,
                var exitCode => new HookFailed($"the postdeploy hook exited with code {exitCode}"),
            };
        }
        catch (ContainerRuntimeException e)
        {
            return new HookFailed($"the postdeploy hook failed to run: {e.Message}");
        }
    }
}
