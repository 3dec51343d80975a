using Akka.TestKit.Xunit2;
using Engine.Hosting;

namespace Engine.Tests.Support;

/// <summary>Actor tests on the fake runtime and Akka's in-memory journal, with a throwaway data dir for logs.</summary>
public abstract class EngineTestKit : TestKit, IDisposable
{
    protected static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);
    protected readonly FakeContainerRuntime Runtime = new();
    protected readonly string DataDir = Directory.CreateTempSubdirectory("engine-unit-").FullName;
    protected readonly EngineSettings Settings;

    protected EngineTestKit()
    {
        Settings = new EngineSettings { DataDir = DataDir, StopGrace = TimeSpan.Zero };
        Settings.Prepare();
    }

    public new void Dispose()
    {
        base.Dispose();
        Directory.Delete(DataDir, recursive: true);
    }
}
