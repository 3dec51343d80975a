using Engine.Workers;

namespace Engine.Tests.Support;

/// <summary>The checkout the tests were built from: its scripts, bench and compose file.</summary>
public static class Repository
{
    public static string Root { get; } = Find();

    public static string Combine(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string Find()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Engine.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new DirectoryNotFoundException("no Engine.sln above the test output");
    }
}
