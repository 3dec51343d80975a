using Engine.Bench;
using Engine.Secrets;
using Engine.Tests.Support;
using Engine.Containers;

namespace Engine.Tests.Cluster;

/// <summary>docker-compose.yml as an operator runs it: Debian's docker-compose accepts it, and its images, built
/// offline on a debootstrapped base, form a cluster (Lighthouse, control+router node, worker node) that deploys.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ComposeTests(PostgresServer postgres)
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(90);

    /// <summary>The one key every node shares (the file refuses to run without it).</summary>
    private static readonly Dictionary<string, string> Key = new() { ["ENGINE_SECRET_KEY"] = EnvCipher.NewKey() };

    private static Task<ProcessResult> Compose(string project, IDictionary<string, string> env, params string[] args) =>
        Shell.RunAsync("docker-compose", ["-f", Repository.Combine("docker-compose.yml"), "-p", project, .. args],
            TimeSpan.FromMinutes(5), env);

    /// <summary>The four members up as the control node sees them, and no other (no old incarnation of a restarted one).</summary>
    private static Task<CliResult> AllUpAsync(string control, string what) =>
        Eventually.Until(() => EngineNode.RunCli(control, "cluster", "show", "--json"),
            r => r.ExitCode == 0 && r.Json.GetProperty("members").EnumerateArray().Count(m => m.GetProperty("status").GetString() == "up") == 4
                 && r.Json.GetProperty("members").GetArrayLength() == 4, Within, what);

    [Fact]
    public async Task Docker_compose_accepts_the_file_with_a_Lighthouse_PostgreSQL_and_two_engine_nodes()
    {
        var unkeyed = await Compose("engine-config", new Dictionary<string, string> { ["ENGINE_SECRET_KEY"] = "" }, "config");
        Assert.NotEqual(0, unkeyed.ExitCode);
        Assert.Contains("set ENGINE_SECRET_KEY to the same base64 key of 32 bytes for every node", unkeyed.Stderr);

        var services = (await Compose("engine-config", Key, "config", "--services")).EnsureSuccess("docker-compose config");
        Assert.Equal(["control", "lighthouse", "lighthouse-2", "postgres", "worker"],
            services.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order());
        var config = (await Compose("engine-config", Key, "config")).EnsureSuccess("docker-compose config").Stdout;
        Assert.Contains("--roles\n    - control,router\n", config);
        Assert.Contains("--roles\n    - worker\n", config);
        Assert.Contains("BASE_IMAGE: debian:bookworm-slim", config);
    }

    [Fact]
    public async Task The_stack_built_offline_deploys_an_app_through_its_control_node()
    {
        const string baseImage = "engine-base:bookworm";
        (await Shell.RunAsync("bash", [Repository.Combine("scripts", "make-base-image.sh"), baseImage], TimeSpan.FromMinutes(10)))
            .EnsureSuccess("make-base-image.sh");
        (await Shell.RunAsync("bash", [Repository.Combine("scripts", "build-images.sh")], TimeSpan.FromMinutes(10),
            new Dictionary<string, string> { ["BASE_IMAGE"] = baseImage })).EnsureSuccess("build-images.sh");

        // PostgreSQL comes from the test's own server: its image is not on an offline machine.
        var project = $"engine-e2e-{Guid.NewGuid().ToString("N")[..8]}";
        var env = new Dictionary<string, string>(Key) { ["ENGINE_JOURNAL_CONNECTION"] = await postgres.NewDatabaseAsync("compose") };
        var app = $"compose-{Guid.NewGuid().ToString("N")[..8]}";
        try
        {
            (await Compose(project, env, "up", "-d", "--no-build", "--no-deps", "lighthouse", "lighthouse-2", "control", "worker"))
                .EnsureSuccess("docker-compose up");
            const string control = "http://127.0.0.1:4000";
            var cluster = await AllUpAsync(control, "both lighthouses and both engine nodes up");
            Assert.Equal(["control,router", "lighthouse", "lighthouse", "worker"], cluster.Json.GetProperty("members").EnumerateArray()
                .Select(m => string.Join(',', ClusterEndToEndTests.Roles(m))).Order());

            using var dir = new AppDir();
            var deploy = await EngineNode.RunCli(control, "deploy", dir.Path, "--app", app);
            Assert.True(deploy.ExitCode == 0, deploy.ToString());
            // The control node has no Docker socket: the worker, in its own container, built from a copy of the upload.
            Assert.Contains("bytes) to worker akka.tcp://engine@127.0.0.1:4055",
                (await EngineNode.RunCli(control, "deployment", "logs", $"{app}-v1")).Stdout);
            using var http = new HttpClient();
            using var request = new HttpRequestMessage(HttpMethod.Get, "http://127.0.0.1:8080/") { Headers = { Host = $"{app}.localhost" } };
            using var response = await http.SendAsync(request);
            Assert.Equal($"version v1 of {app}", (await response.Content.ReadAsStringAsync()).Trim());

            // The first seed restarted (issue: it used to form a cluster of its own): it rejoins the one cluster, and
            // the journal keeps one writer per history.
            (await Compose(project, env, "restart", "lighthouse")).EnsureSuccess("docker-compose restart lighthouse");
            await AllUpAsync(control, "the restarted lighthouse back in the one cluster");
            File.WriteAllText(Path.Combine(dir.Path, "revision"), "2");
            var again = await EngineNode.RunCli(control, "deploy", dir.Path, "--app", app);
            Assert.True(again.ExitCode == 0, again.ToString());
            var verify = await EngineNode.RunCli(control, "audit", "verify");
            Assert.True(verify.ExitCode == 0, verify.ToString());
        }
        catch
        {
            Console.WriteLine((await Compose(project, env, "logs", "--no-color", "--tail", "100")).Stdout);
            throw;
        }
        finally
        {
            await Compose(project, env, "down", "-v", "--timeout", "10");
            // The engine's app containers are the Docker engine's, not compose's.
            await Shell.RunAsync("sh", ["-c", $"docker rm -f $(docker ps -aq --filter label={ContainerLabels.App}={app}) 2>/dev/null; true"],
                TimeSpan.FromMinutes(1));
        }
    }
}
