using System.Security.Cryptography;
using System.Text;
using Engine.Tests.Support;

namespace Engine.Tests.Secrets;

[Collection(DockerCollection.Name)]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SecretsEndToEndTests(SharedNode shared)
{
    private readonly EngineNode _node = shared.Node;

    [Fact]
    public async Task Env_values_reach_the_containers_but_never_sit_in_clear_in_the_journal()
    {
        var app = _node.NewApp("secret");
        var secret = $"hunter2-very-secret-{Guid.NewGuid():N}";
        await _node.CliOk("env", "set", app, $"SECRET_TOKEN={secret}");
        // The container prints a hash of what it got (the value itself must not appear in the Procfile either).
        using var dir = AppDir.WithHook("printf %s \"$SECRET_TOKEN\" | sha256sum");
        var deployed = await _node.DeployAsync(dir, app);
        var expected = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
        Assert.Contains(expected, deployed.Stderr);
        Assert.Contains($"SECRET_TOKEN={secret}", (await _node.Cli("env", app)).Stdout);

        var db = Path.Combine(_node.DataDir, "engine.db");
        var files = new[] { "", "-wal", "-shm", "-journal" }.Select(s => db + s).Where(File.Exists).ToList();
        foreach (var file in files)
        {
            byte[] bytes;
            try { bytes = await File.ReadAllBytesAsync(file); }
            catch (FileNotFoundException) when (file.EndsWith("-journal")) { continue; } // SQLite's rollback journal lives only during a write
            Assert.True(bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes(secret)) < 0, $"{file} holds the secret in clear");
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_node.DataDir));

        // The audit names the variable, never its value.
        var audit = await _node.Cli("audit", app, "--json");
        Assert.Contains("set SECRET_TOKEN", audit.Stdout);
        Assert.DoesNotContain(secret, audit.Stdout);
    }
}
