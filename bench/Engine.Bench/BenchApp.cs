
namespace Engine.Bench;

/// <summary>The busybox app of the deploy scenarios: one web container answering on $PORT with its version, and
/// `postdeploy: true`. A revision file changes on every run so that each build copies new content.</summary>
public sealed class BenchApp : IDisposable
{
    public const string WebScript = """
        #!/bin/sh
        mkdir -p /tmp/www
        echo "version $CONTAINER_VERSION of $APP" > /tmp/www/index.html
        exec httpd -f -p "127.0.0.1:$PORT" -h /tmp/www
        """;

    public string Path { get; } = Directory.CreateTempSubdirectory("engine-bench-app-").FullName;

    public BenchApp(string hook = "true")
    {
        File.WriteAllText(Combine("Dockerfile"), "FROM busybox\nCOPY . /app\n");
        File.WriteAllText(Combine("web.sh"), WebScript.Replace("\r\n", "\n") + "\n");
        File.WriteAllText(Combine("Procfile"), $"web: sh /app/web.sh\npostdeploy: {hook}\n");
    }

    public void Revise(int revision) => File.WriteAllText(Combine("revision"), revision.ToString());

    public string Combine(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
