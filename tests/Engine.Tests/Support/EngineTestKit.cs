using Akka.TestKit.Xunit2;
using Engine.Containers;
using Engine.Deployments;
using Engine.Hosting;
using Engine.Workers;

namespace Engine.Tests.Support;

/// <summary>Actor tests on the fake runtime and Akka's in-memory journal, with a throwaway data dir for logs. The test
/// system is a worker node: its Docker engine (<see cref="NodeRuntime"/>) is registered as production registers a
/// worker's, and the app's and deployments' actors get <see cref="Workers"/>, this one process.</summary>
public abstract class EngineTestKit : TestKit, IDisposable
{
    protected static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);
    protected readonly FakeContainerRuntime Runtime = new();
    protected readonly string DataDir = Directory.CreateTempSubdirectory("engine-unit-").FullName;
    protected readonly EngineSettings Settings;
    protected readonly IWorkers Workers = LocalWorkers.Instance;

    /// <summary>The Docker engine of this node (the fake one unless a test runs on a real one).</summary>
    protected virtual IContainerRuntime NodeRuntime => Runtime;

    protected EngineTestKit()
    {
        Settings = new EngineSettings { DataDir = DataDir, StopGrace = TimeSpan.Zero };
        Settings.Prepare();
        DockerHost.Register(Sys, NodeRuntime, Settings.Cluster);
        Sys.ActorOf(DeploymentLogsActor.Props(Settings, Settings), DeploymentLogsActor.Name);
    }

    /// <summary>The deployment's log as the journal's database holds it, once it holds <paramref name="text"/>.</summary>
    protected Task<string> LogHolding(string deploymentId, string text) => Eventually.Until(async () => System.Text.Encoding.UTF8.GetString(
            (await DeploymentLogTable.ReadAsync(Settings, deploymentId, 0, int.MaxValue, CancellationToken.None)).Data),
        log => log.Contains(text, StringComparison.Ordinal), Patience, $"the log of {deploymentId} to hold '{text}'");

    public new void Dispose()
    {
        base.Dispose();
        Directory.Delete(DataDir, recursive: true);
    }
}
