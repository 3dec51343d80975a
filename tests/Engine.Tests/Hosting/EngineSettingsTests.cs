using Engine.Hosting;

namespace Engine.Tests.Hosting;

/// <summary>Settings a node refuses to start with, each with the key and what it expects (the host prints it, exit 2).</summary>
public sealed class EngineSettingsTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("engine-settings-").FullName;

    [Theory]
    [InlineData(0, 10485760, 3, "Engine:KeepReleases (releases whose images stay) must be positive, got 0")]
    [InlineData(5, 10, 3, "Engine:ContainerLogMaxSize (bytes per container log file) must be at least 1024, got 10")]
    [InlineData(5, 10485760, 0, "Engine:ContainerLogFiles (log files per container) must be 1-100, got 0")]
    [InlineData(5, 10485760, 101, "Engine:ContainerLogFiles (log files per container) must be 1-100, got 101")]
    public void A_bad_release_or_container_log_setting_is_refused_naming_its_key(int keep, long logSize, int logFiles, string error)
    {
        var settings = new EngineSettings
        {
            DataDir = _dataDir, KeepReleases = keep, ContainerLogMaxSize = logSize, ContainerLogFiles = logFiles,
        };
        Assert.Equal(error, Assert.Throws<ArgumentException>(settings.Prepare).Message);
    }

    [Fact]
    public void By_default_five_releases_keep_their_images_and_container_logs_rotate_at_10_MiB_in_3_files()
    {
        var settings = new EngineSettings { DataDir = _dataDir };
        settings.Prepare();
        Assert.Equal(5, settings.Deployments.KeepReleases);
        Assert.Equal(new Engine.Containers.ContainerLogs(10L * 1024 * 1024, 3), settings.ContainerLogs);
    }

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);
}
