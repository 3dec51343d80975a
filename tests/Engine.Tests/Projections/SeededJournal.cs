using Engine.Hosting;

namespace Engine.Tests.Projections;

/// <summary>A data dir whose SQLite journal holds 10,000 finished deployments over four apps (about 77,000 events),
/// written once; each test works on a copy of it.</summary>
public sealed class SeededJournal : IAsyncLifetime
{
    public static readonly string[] Apps = ["alpha", "beta", "delta", "gamma"];
    public const int VersionsPerApp = 2500;
    private readonly string _dir = Directory.CreateTempSubdirectory("engine-seed-").FullName;

    public async Task InitializeAsync()
    {
        var settings = new EngineSettings { DataDir = _dir };
        settings.Prepare();
        await using var node = await JournalNode.StartAsync(settings, projection: false);
        await node.WriteAsync(Apps.SelectMany(app => DeploymentHistory.Whole(app, Enumerable.Range(1, VersionsPerApp))));
    }

    /// <summary>A new data dir with the seeded journal and its key.</summary>
    public EngineSettings Copy()
    {
        var dir = Directory.CreateTempSubdirectory("engine-projection-").FullName;
        foreach (var file in Directory.EnumerateFiles(_dir)) File.Copy(file, Path.Combine(dir, Path.GetFileName(file)));
        var settings = new EngineSettings { DataDir = dir };
        settings.Prepare();
        return settings;
    }

    public Task DisposeAsync()
    {
        Directory.Delete(_dir, recursive: true);
        return Task.CompletedTask;
    }
}
