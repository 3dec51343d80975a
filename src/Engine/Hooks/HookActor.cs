using Akka.Actor;
using Engine.Containers;
using Engine.Deployments;

namespace Engine.Hooks;

/// <summary>Runs the postdeploy command in a one-off container from the new image; replies HookSucceeded or HookFailed.
/// The container is always removed, so nothing it wrote reaches the app's other containers.</summary>
public sealed class HookActor : ReceiveActor
{
    private static readonly TimeSpan LogFlushLimit = TimeSpan.FromSeconds(5);
    private readonly CancellationTokenSource _stopping = new();

    public static Props Props(IContainerRuntime runtime, ContainerSpec spec, TimeSpan timeout) =>
        Akka.Actor.Props.Create(() => new HookActor(runtime, spec, timeout));

    public HookActor(IContainerRuntime runtime, ContainerSpec spec, TimeSpan timeout)
    {
        var parent = Context.Parent;
        RunAsync(runtime, spec, timeout, line => parent.Tell(new DeploymentLogLine(line)), _stopping.Token)
            .PipeTo(parent, failure: e => new HookFailed($"the postdeploy hook could not run: {e.Message}"));
    }

    protected override void PostStop() => _stopping.Cancel();

    private static async Task<IDeploymentCommand> RunAsync(IContainerRuntime runtime, ContainerSpec spec, TimeSpan timeout,
        Action<string> log, CancellationToken ct)
    {
        string id;
        try
        {
            log($"running postdeploy hook: {spec.Command}");
            id = await runtime.RunAsync(spec, restartAlways: false, ct);
        }
        catch (ContainerRuntimeException e)
        {
            return new HookFailed($"the postdeploy hook could not start: {e.Message}");
        }
        try
        {
            var output = runtime.StreamLogsAsync(id, log, ct);
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
            limit.CancelAfter(timeout);
            long exitCode;
            try
            {
                exitCode = await runtime.WaitAsync(id, limit.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                return new HookFailed($"the postdeploy hook did not finish within {timeout.TotalSeconds:0.#} s");
            }
            await Task.WhenAny(output, Task.Delay(LogFlushLimit, ct));
            return exitCode == 0
                ? HookSucceeded.Instance
                : new HookFailed($"the postdeploy hook exited with code {exitCode}");
        }
        catch (ContainerRuntimeException e)
        {
            return new HookFailed($"the postdeploy hook failed to run: {e.Message}");
        }
        finally
        {
            await runtime.StopAndRemoveAsync(id, TimeSpan.Zero, CancellationToken.None);
        }
    }
}
