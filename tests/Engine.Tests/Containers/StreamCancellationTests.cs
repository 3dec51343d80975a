using Akka.Actor;
using ContainersListParameters = Docker.DotNet.Models.ContainersListParameters;
using Engine.Containers;
using Engine.Hooks;
using Engine.Tests.Support;
using Engine.Protocol;

namespace Engine.Tests.Containers;

/// <summary>Each stream the engine opens on a container, cut off in the middle while the container writes as fast as it
/// can: the container must still stop and be removed. A stream left open and unread blocks the daemon's copier, and
/// with it `docker kill`, `rm` and `inspect` of that container (issue 19). On a private daemon.</summary>
public sealed class StreamCancellationTests(PrivateDockerFixture fixture) : EngineTestKit, IClassFixture<PrivateDockerFixture>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    /// <summary>Prints short lines without pause; a shell loop, not `yes`, so the log file grows by megabytes, not gigabytes.</summary>
    private const string Chatty = "i=0; while :; do i=$((i+1)); echo \"line $i\"; done";
    private const int LinesBeforeCut = 2000;
    private readonly DockerRuntime _runtime = new(fixture.Docker.Host, Guid.NewGuid().ToString("N")[..12], TimeSpan.FromSeconds(10));
    protected override IContainerRuntime NodeRuntime => _runtime;
    private readonly string _app = $"streams-{Guid.NewGuid().ToString("N")[..8]}";

    private ContainerSpec Spec(string type) =>
        ContainerSpec.For(_app, $"{_app}-v1", "v1", "busybox:latest", type, 1, Chatty, new Dictionary<string, string>(), null);

    [Fact]
    public async Task A_followed_log_stream_cancelled_mid_way_leaves_its_container_free_to_stop_and_go()
    {
        var id = await _runtime.RunAsync(Spec("worker"), restartAlways: false, CancellationToken.None);
        using var cut = new CancellationTokenSource();
        var lines = 0;
        var stream = _runtime.StreamLogsAsync(id, _ => { if (++lines == LinesBeforeCut) cut.Cancel(); }, cut.Token);

        // The reader gives up at once, whatever the container goes on printing.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => stream.WaitAsync(Deadline));
        await StopsAndGoesAsync();
    }

    [Fact]
    public async Task A_hook_whose_actor_stops_mid_output_leaves_its_container_free_to_stop_and_go()
    {
        var parent = Sys.ActorOf(Props.Create(() => new FirstLines(HookActor.Props(Spec("postdeploy"), Deadline), TestActor)));
        ExpectMsg<DeploymentLogLine>(l => l.Text.StartsWith("line ", StringComparison.Ordinal), Deadline);

        // The deployment goes away (a cancel, a failover): its hook actor stops with it, in the middle of the output.
        Watch(parent);
        Sys.Stop(parent);
        ExpectTerminated(parent, Deadline);
        await StopsAndGoesAsync();
    }

    [Fact]
    public async Task A_build_cancelled_while_its_step_prints_fast_leaves_no_container_behind()
    {
        using var context = SourceTar.Build(("Dockerfile", $"FROM busybox\nRUN {Chatty}\n"));
        using var cut = new CancellationTokenSource();
        var lines = 0;
        var build = _runtime.BuildImageAsync(context, ImageSpec.For("streams", _app, $"{_app}-v1", "v1"),
            l => { if (l.StartsWith("line ", StringComparison.Ordinal) && ++lines == LinesBeforeCut) cut.Cancel(); }, cut.Token);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => build.WaitAsync(Deadline));
        // The builder's step container (no label of ours: every container of this daemon) stops and goes with the build.
        await Eventually.Until(() => fixture.Docker.Client.Containers.ListContainersAsync(new ContainersListParameters { All = true }),
            l => l.Count == 0, Deadline, "the build's step container to be removed");
    }

    /// <summary>The app's containers stop and go within the runtime's own deadlines (10 s per call), and none is left.</summary>
    private async Task StopsAndGoesAsync()
    {
        foreach (var c in await _runtime.ListAsync(_app, CancellationToken.None))
            await _runtime.StopAndRemoveAsync(c.Id, TimeSpan.Zero, CancellationToken.None);
        await Eventually.Until(() => fixture.Docker.ContainersOf(_app), l => l.Count == 0, Deadline, $"{_app}'s containers to be removed");
    }

    /// <summary>Stands in for the deployment: passes its child's first output line on and drops the rest.</summary>
    private sealed class FirstLines : ReceiveActor
    {
        public FirstLines(Props child, IActorRef probe)
        {
            Context.ActorOf(child, "hook");
            var passed = false;
            Receive<DeploymentLogLine>(l =>
            {
                if (passed || !l.Text.StartsWith("line ", StringComparison.Ordinal)) return;
                passed = true;
                probe.Tell(l);
            });
            ReceiveAny(_ => { });
        }
    }

    protected override void AfterAll()
    {
        _runtime.Dispose();
        base.AfterAll();
    }
}
