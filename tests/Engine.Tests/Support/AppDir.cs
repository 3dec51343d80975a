
namespace Engine.Tests.Support;

/// <summary>A throwaway app directory: a busybox Dockerfile, a web server that names its version, and a Procfile.</summary>
public sealed class AppDir : IDisposable
{
    public const string WebScript = Engine.Bench.BenchApp.WebScript;

    public string Path { get; }

    public AppDir(string? procfile = "web: sh /app/web.sh\n", bool dockerfile = true)
    {
        Path = Directory.CreateTempSubdirectory("engine-app-").FullName;
        if (dockerfile) File.WriteAllText(Combine("Dockerfile"), "FROM busybox\nCOPY . /app\nCMD [\"sh\", \"/app/web.sh\"]\n");
        File.WriteAllText(Combine("web.sh"), WebScript.Replace("\r\n", "\n") + "\n");
        if (procfile is not null) File.WriteAllText(Combine("Procfile"), procfile);
    }

    public static AppDir WithHook(string hook) => new($"web: sh /app/web.sh\npostdeploy: {hook}\n");

    public string Combine(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
