using System.CommandLine;
using System.Globalization;
using static Engine.Cli.CliApp;

namespace Engine.Hosting;

/// <summary>`engine serve`: the node, the one command the node's build adds to the CLI (src/Engine.Cli). Not in the
/// native client (src/Engine.Client), which has no node to run.</summary>
public static class ServeCommand
{
    public static Command Create()
    {
        var cmd = new Command("serve", "Run a node: SQLite journal in --data-dir, local Docker, router and admin API");
        var options = new (Option<string> Option, string Key)[]
        {
            (new("--data-dir") { Description = "Where the journal, logs and uploads live (default ./data)" }, "DataDir"),
            (new("--admin-url") { Description = "Admin API address (default http://127.0.0.1:4000)" }, "AdminUrl"),
            (new("--router-url") { Description = "Router address (default http://127.0.0.1:8080)" }, "RouterUrl"),
            (new("--docker-host") { Description = "Docker engine URI (default $DOCKER_HOST or unix:///var/run/docker.sock)" }, "DockerHost"),
            (new("--domain") { Description = "Apps are served at APP.SUFFIX (default localhost)" }, "Domain"),
            (new("--start-timeout") { Description = "Seconds for web containers to listen (default 60)" }, "StartTimeout"),
            (new("--hook-timeout") { Description = "Seconds the postdeploy hook may run (default 1200)" }, "HookTimeout"),
            (new("--deployment-timeout") { Description = "Seconds a whole deployment may take (default 1800)" }, "DeploymentTimeout"),
            (new("--docker-timeout") { Description = "Seconds a Docker control call may take (default 30)" }, "DockerTimeout"),
            (new("--stop-grace") { Description = "Seconds between SIGTERM and SIGKILL for old containers (default 30)" }, "StopGrace"),
            (new("--stability-window") { Description = "Seconds every non-web container must stay up before a deployment goes on (default 3)" }, "StabilityWindow"),
            (new("--max-upload-bytes") { Description = "Largest accepted upload (default 536870912)" }, "MaxUploadBytes"),
            (new("--max-request-bytes") { Description = "Largest other admin request body (default 1048576)" }, "MaxRequestBodyBytes"),
            (new("--max-context-bytes") { Description = "Largest build context once expanded (default 1073741824)" }, "MaxContextBytes"),
            (new("--max-context-files") { Description = "Most entries in a build context (default 100000)" }, "MaxContextFiles"),
            (new("--upload-idle-timeout") { Description = "Seconds an upload may send nothing before it is given up (default 60)" }, "UploadIdleTimeout"),
            (new("--admin-token-file") { Description = "File holding the admin API's bearer token (else $ENGINE_ADMIN_TOKEN); required beyond loopback" }, "AdminTokenFile"),
            (new("--secret-key-file") { Description = "File holding the base64 key that encrypts env values in the journal (default DATA/secret.key, generated)" }, "SecretKeyFile"),
            (new("--cluster-host") { Description = "Address other cluster nodes reach this one at (default $CLUSTER_IP or 127.0.0.1)" }, "Cluster:Host"),
            (new("--cluster-port") { Description = "Cluster port (default $CLUSTER_PORT or 0: any free port)" }, "Cluster:Port"),
            (new("--seed-nodes") { Description = "Comma-separated akka.tcp://engine@HOST:PORT to join (default $CLUSTER_SEEDS; none: a one-node cluster); needs --journal postgres" }, "Cluster:Seeds"),
            (new("--roles") { Description = "Comma-separated roles of this node: control, router, worker (default all three)" }, "Cluster:Roles"),
            (new("--advertise-host") { Description = "Address at which routers reach this worker's containers (default 127.0.0.1)" }, "Cluster:AdvertiseHost"),
            (new("--registry") { Description = "HOST:PORT of the Docker registry that carries images between workers (needed once there is more than one)" }, "Registry"),
            (new("--port-range") { Description = "FROM-TO: the ports this worker hands out as $PORT (default 20000-29999)" }, "Cluster:PortRange"),
            (new("--worker-name") { Description = "This worker's name, kept across restarts (default: generated once per data directory)" }, "Cluster:WorkerName"),
            (new("--capacity") { Description = "Most containers this worker runs (default 0: no limit)" }, "Cluster:Capacity"),
            (new("--journal") { Description = "Journal database: sqlite (default, in --data-dir) or postgres" }, "Journal"),
            (new("--journal-connection") { Description = "PostgreSQL connection string for --journal postgres, e.g. Host=HOST;Port=5432;Username=U;Database=D" }, "JournalConnection"),
        };
        foreach (var (option, _) in options) cmd.Add(option);
        cmd.SetAction(async (parse, ct) =>
        {
            var overrides = new Dictionary<string, string?>();
            foreach (var (option, key) in options)
            {
                if (parse.GetValue(option) is not { } value) continue;
                if (key.EndsWith("Timeout") || key is "StopGrace" or "StabilityWindow")
                {
                    if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
                        return Fail($"{option.Name} expects a number of seconds, got '{value}'", 2);
                    value = TimeSpan.FromSeconds(seconds).ToString("c", CultureInfo.InvariantCulture);
                }
                overrides[$"Engine:{key}"] = value;
            }
            WebApplication web;
            try { web = EngineHost.Build(overrides); }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or FormatException or IOException or UnauthorizedAccessException)
            {
                return Fail($"cannot start: {e.Message}", 2);
            }
            var cluster = web.Services.GetRequiredService<EngineSettings>().Cluster; // the host disposes its services if it fails
            var exit = web.Services.GetRequiredService<NodeExit>();
            try { await web.RunAsync(ct); }
            catch (Exception e) when (Lighthouse.BindFailure.Of(e) is { } socket)
            {
                return Fail($"cannot start: cannot listen for the cluster on {cluster.Host}:{cluster.Port}: {socket.Message}", 2);
            }
            return exit.DownedByCluster
                ? Fail("stopped: the cluster downed this node (unreachable for too long), so it does not act as a second owner; start it again to rejoin", 3)
                : 0;
        });
        return cmd;
    }
}
