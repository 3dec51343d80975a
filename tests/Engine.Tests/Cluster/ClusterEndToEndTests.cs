using System.Text.Json;
using Engine.Tests.Support;
using static Engine.Tests.Support.Deadlines;

namespace Engine.Tests.Cluster;

/// <summary>Every node is an Akka.Cluster member: alone by default (the single-node engine), or joined to a Lighthouse
/// with other nodes on one PostgreSQL journal, where any node answers for the apps.</summary>
public sealed class ClusterEndToEndTests
{
    internal static JsonElement MemberAt(JsonElement cluster, string address) =>
        cluster.GetProperty("members").EnumerateArray().Single(m => m.GetProperty("address").GetString() == address);

    /// <summary>The node that owns the app, as `cluster show --json` says.</summary>
    internal static string? OwnerOf(JsonElement cluster, string app) =>
        cluster.GetProperty("apps").EnumerateArray().Single(a => a.GetProperty("app").GetString() == app).GetProperty("owner").GetString();

    internal static string[] Roles(JsonElement member) =>
        [.. member.GetProperty("roles").EnumerateArray().Select(r => r.GetString()!)];

    [Fact]
    public async Task A_node_with_no_cluster_options_is_a_one_node_cluster_with_every_role_that_owns_the_apps()
    {
        await using var node = await EngineNode.StartAsync();
        var app = node.NewApp("owned");
        var idle = node.NewApp("idle");
        using var dir = new AppDir();
        await node.DeployAsync(dir, app);
        await node.CliOk("env", "set", idle, "A=1");
        var show = await node.Cli("cluster", "show", "--json");
        Assert.True(show.ExitCode == 0, show.ToString());
        var self = show.Json.GetProperty("self").GetString()!;
        Assert.StartsWith("akka.tcp://engine@127.0.0.1:", self);
        var member = Assert.Single(show.Json.GetProperty("members").EnumerateArray());
        Assert.Equal(self, member.GetProperty("address").GetString());
        Assert.Equal(["control", "router", "worker"], Roles(member));
        Assert.Equal("up", member.GetProperty("status").GetString());
        Assert.True(member.GetProperty("reachable").GetBoolean());
        Assert.Equal(self, show.Json.GetProperty("leader").GetString());
        Assert.Equal(self, OwnerOf(show.Json, app));
        // Never deployed: it runs nowhere until asked.
        Assert.Null(OwnerOf(show.Json, idle));

        var human = await node.Cli("cluster", "show");
        Assert.Matches($@"(?m)^{app}\s+{System.Text.RegularExpressions.Regex.Escape(self)}$", human.Stdout);
        Assert.Matches($@"(?m)^{idle}\s+-$", human.Stdout);
        Assert.Contains("control,router,worker", human.Stdout);
    }

    [Fact]
    public async Task Routes_reach_web_containers_at_the_advertised_host()
    {
        // 127.0.0.2 is loopback too. The usual test app listens on 127.0.0.1 only (the router then gets no answer: 502),
        // so this one listens on every address.
        await using var node = await EngineNode.StartAsync("--advertise-host", "127.0.0.2");
        var app = node.NewApp("adv");
        using var dir = new AppDir("web: mkdir -p /tmp/www && echo \"version $CONTAINER_VERSION of $APP\" > /tmp/www/index.html && exec httpd -f -p \"$PORT\" -h /tmp/www\n");
        await node.DeployAsync(dir, app);
        Assert.Equal((System.Net.HttpStatusCode.OK, $"version v1 of {app}"), await node.Get(app));
        Assert.Matches($@"{app} now routes to v1 \(http://127\.0\.0\.2:\d+\)", node.Output);
    }

    [Fact]
    public async Task Bad_cluster_options_get_one_clear_line_and_exit_code_2()
    {
        var cases = new (string[] Args, string Expected)[]
        {
            (["--roles", "control,chef"], "--roles: unknown role 'chef' (known: control, router, worker)"),
            (["--roles", ","], "--roles needs at least one of control, router, worker"),
            (["--cluster-port", "70000"], "--cluster-port must be a port number (0 for any free port), got '70000'"),
            (["--seed-nodes", "engine@somewhere"], "--seed-nodes entry 'engine@somewhere' is not a cluster address (expected akka.tcp://engine@HOST:PORT)"),
            (["--seed-nodes", "akka.tcp://other@127.0.0.1:4053"], "--seed-nodes entry 'akka.tcp://other@127.0.0.1:4053' names actor system 'other', but the cluster's is 'engine'"),
            // 192.0.2.1 is a documentation address, never this host's: the cluster transport cannot bind it.
            (["--cluster-host", "192.0.2.1"], "cannot listen for the cluster on 192.0.2.1:0: Cannot assign requested address"),
            (["--seed-nodes", "akka.tcp://engine@127.0.0.1:4053"],
                "--seed-nodes joins other engine nodes, which must share one journal: use --journal postgres (the SQLite journal is one node's file)"),
        };
        foreach (var (args, expected) in cases)
            Assert.Equal($"error: cannot start: {expected}", await EngineNode.RefusedServeAsync(args));
    }
}

/// <summary>A Lighthouse and two engine nodes as separate processes on one PostgreSQL journal.</summary>
[Collection(PostgresCollection.Name)]
public sealed class MultiNodeClusterTests(PostgresServer postgres)
{
    private const string NoDocker = "unix:///nonexistent/docker.sock";

    [Fact]
    public async Task Nodes_join_through_a_Lighthouse_the_worker_runs_the_deployment_and_any_node_answers_for_the_apps()
    {
        await using var cluster = await TestCluster.StartAsync(postgres);
        // Neither the control node nor the router-only node can reach a Docker engine: the build, the containers and
        // the hook can only have run on the worker node, deployed there from the control node.
        var control = await cluster.StartNodeAsync("control,router", "--docker-host", NoDocker, "--start-timeout", "20");
        var worker = await cluster.StartNodeAsync("worker");
        var router = await cluster.StartNodeAsync("router", "--docker-host", NoDocker);
        var workerAddress = await SelfAsync(worker);
        await TestCluster.AllUpAsync(control, 4);

        var app = control.NewApp("cl");
        using var dir = AppDir.WithHook("echo hook ran on $HOSTNAME");
        var id = (await control.DeployAsync(dir, app)).LastJson.GetProperty("id").GetString()!;
        var log = (await control.Cli("deployment", "logs", id)).Stdout;
        Assert.Contains($"bytes) to worker {workerAddress}", log);
        Assert.Contains("hook ran on", log);
        var ps = await router.Cli("ps", app, "--json");
        Assert.True(ps.ExitCode == 0, ps.ToString());
        var web = Assert.Single(ps.Json.EnumerateArray());
        Assert.Equal(("web", "running", await WorkerNameAsync(worker)),
            (web.GetProperty("type").GetString(), web.GetProperty("state").GetString(), web.GetProperty("worker").GetString()));
        var apps = await router.Cli("apps", "--json");
        Assert.True(apps.ExitCode == 0, apps.ToString());
        Assert.Contains(apps.Json.EnumerateArray(), a => a.GetProperty("name").GetString() == app
                                                         && a.GetProperty("routed_version").GetString() == "v1");
        // The route reached every router node before the deployment succeeded; answers cross nodes intact.
        Assert.Equal((System.Net.HttpStatusCode.OK, $"version v1 of {app}"), await router.Get(app));
        Assert.Equal((System.Net.HttpStatusCode.OK, $"version v1 of {app}"), await control.Get(app));
        await control.CliOk("env", "set", app, "GREETING=hi");
        Assert.Equal("hi", (await router.Cli("env", app, "--json")).Json.GetProperty("GREETING").GetString());
        var audit = await router.Cli("audit", app, "--json");
        Assert.True(audit.ExitCode == 0, audit.ToString());
        Assert.Contains(audit.Json.EnumerateArray(), e => e.GetProperty("type").GetString() == "EnvChanged");

        // Any node takes a deployment: the router-only node stores the upload, the worker copies it from there, and the
        // upload goes once the deployment is over.
        var controlAddress = await SelfAsync(control);
        var routerAddress = await SelfAsync(router);
        await router.DeployAsync(dir, app);
        Assert.Equal((System.Net.HttpStatusCode.OK, $"version v2 of {app}"), await router.Get(app));
        Assert.Contains($"bytes) to worker {workerAddress}", (await control.Cli("deployment", "logs", $"{app}-v2")).Stdout);
        Assert.Equal(2, (await control.Cli("deployments", app, "--json")).Json.GetArrayLength());
        await Eventually.Until(() => Task.FromResult(Directory.GetFiles(Path.Combine(router.DataDir, "uploads"), "*.tar")),
            files => files.Length == 0, Within, "the upload on the router node to be deleted");

        // Followed through a node that does not run the app: the log, and the changes that wake a waiting request, come
        // from the node that does.
        using var gate = new HookGate();
        using var gated = AppDir.WithHook(gate.Hook);
        var v3 = $"{app}-v3";
        var deploy = router.Cli("deploy", gated.Path, "--app", app);
        await router.WaitForStatus(v3, "running-hook");
        var (_, offset) = await Eventually.Until(() => router.Log(v3), l => l.Text.Contains("\nhook-begins\n"), Within,
            "the hook's first line, read through the router node");
        var woken = router.WaitForChange(v3, "running-hook", offset, 60);
        gate.Open();
        // Far below the 60 s the wait was given: it was woken by the hook's next line, not by its deadline.
        Assert.Equal(System.Net.HttpStatusCode.OK, (await woken.WaitAsync(TimeSpan.FromSeconds(30))).Code);
        var followed = await deploy;
        Assert.True(followed.ExitCode == 0, followed.ToString());
        Assert.Contains("hook-ends", followed.Stderr);

        var show = await Eventually.Until(async () => await router.Cli("cluster", "show", "--json"),
            r => r.ExitCode == 0 && r.Json.GetProperty("members").GetArrayLength() == 4, Within, "four members seen by the router node");
        Assert.Equal(["lighthouse"], ClusterEndToEndTests.Roles(ClusterEndToEndTests.MemberAt(show.Json, cluster.Seed)));
        Assert.Equal(["control", "router"], ClusterEndToEndTests.Roles(ClusterEndToEndTests.MemberAt(show.Json, controlAddress)));
        Assert.Equal(["worker"], ClusterEndToEndTests.Roles(ClusterEndToEndTests.MemberAt(show.Json, workerAddress)));
        Assert.Equal(["router"], ClusterEndToEndTests.Roles(ClusterEndToEndTests.MemberAt(show.Json, routerAddress)));
        Assert.All(show.Json.GetProperty("members").EnumerateArray(), m => Assert.Equal("up", m.GetProperty("status").GetString()));
        Assert.Equal(controlAddress, ClusterEndToEndTests.OwnerOf(show.Json, app));
        await cluster.Lighthouse.WaitForOutputAsync($"member up: {routerAddress} (roles: router)", Within);
        Assert.DoesNotContain("lost the Docker engine", router.Output + control.Output);
    }

    [Fact]
    public async Task A_deployment_waits_a_while_for_a_worker_node_and_fails_clearly_when_none_comes_up()
    {
        await using var cluster = await TestCluster.StartAsync(postgres);
        var control = await cluster.StartNodeAsync("control,router", "--docker-host", NoDocker);
        var app = control.NewApp("nw");
        using var dir = new AppDir();
        var (status, error) = await control.DeployFailingAsync(dir, app);
        Assert.Equal(("build-error", "no worker node is up to build and run it (start a node with the worker role)"), (status, error));
        var ps = await control.Cli("ps", app);
        Assert.True(ps.ExitCode == 1, ps.ToString());
        Assert.Contains("no worker node is up to ask its Docker engine", ps.Stderr);
        var logs = await control.Cli("logs", app);
        Assert.True(logs.ExitCode == 1, logs.ToString());
        Assert.Contains("no worker node is up to ask its Docker engine", logs.Stderr);

        // A worker that comes up while a deployment waits for one takes it.
        var deploy = control.Cli("deploy", dir.Path, "--app", app);
        await Eventually.Until(() => control.Cli("deployment", "logs", $"{app}-v2"),
            r => r.Stdout.Contains("waiting up to 20 s for a worker node to come up"), Within, "v2 to wait for a worker");
        try
        {
            await cluster.StartNodeAsync("worker");
            var deployed = await deploy;
            Assert.True(deployed.ExitCode == 0, deployed.ToString());
            Assert.Equal((System.Net.HttpStatusCode.OK, $"version v2 of {app}"), await control.Get(app));
        }
        finally
        {
            await DockerProbe.RemoveAppAsync(app);
        }
    }

    private static async Task<string> SelfAsync(EngineNode node) =>
        (await node.Cli("cluster", "show", "--json")).Json.GetProperty("self").GetString()!;

    /// <summary>What the node calls itself as a worker (`engine ps` shows it).</summary>
    internal static async Task<string> WorkerNameAsync(EngineNode node) =>
        (await node.Cli("cluster", "show", "--json")).Json.GetProperty("members").EnumerateArray()
        .Single(m => m.GetProperty("self").GetBoolean()).GetProperty("worker").GetString()!;

    [Fact]
    public async Task A_node_whose_secret_key_differs_from_the_clusters_refuses_to_start()
    {
        await using var cluster = await TestCluster.StartAsync(postgres);
        await cluster.StartNodeAsync("control,router,worker");
        // Its own key would seal env values the other nodes could not open, and could not open theirs.
        var keyDir = Directory.CreateTempSubdirectory("engine-key-").FullName;
        try
        {
            var otherKey = Path.Combine(keyDir, "other.key");
            await File.WriteAllTextAsync(otherKey, Engine.Secrets.EnvCipher.NewKey());
            Assert.Equal("error: cannot start: this node's secret key is not the one the other nodes on this journal seal env "
                         + "values with: give every node the same key (--secret-key-file or Engine__SecretKey)",
                await EngineNode.RefusedServeAsync(cluster.JoinArgs("control", otherKey)));
        }
        finally
        {
            Directory.Delete(keyDir, recursive: true);
        }
    }
}
