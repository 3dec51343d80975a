using Engine.Journal;
using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Cluster.Sharding;
using Akka.Hosting;
using Akka.Persistence.Sql.Config;
using Akka.Persistence.Sql.Hosting;
using Akka.Remote.Hosting;
using Engine.Admin;
using Engine.Api;
using Engine.Apps;
using Engine.Audit;
using Engine.Build;
using Engine.Cluster;
using Engine.Containers;
using Engine.Deployments;
using Engine.Palettes;
using Engine.Routing;
using Engine.Secrets;
using Engine.Workers;
using LinqToDB;
using Engine.Protocol;
using Engine.Projections;
using Engine.Serialization;

namespace Engine.Hosting;

/// <summary>The node: actor system, SQL journal (SQLite or PostgreSQL), Docker runtime, YARP router and admin API in one host.</summary>
public static class EngineHost
{
    public static WebApplication Build(IDictionary<string, string?> overrides)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(LighthouseStyleEnvironment(builder.Configuration));
        builder.Configuration.AddInMemoryCollection(overrides);
        var settings = builder.Configuration.GetSection("Engine").Get<EngineSettings>() ?? new EngineSettings();
        settings.Prepare();
        var dataDirLock = DataDirLock.Take(settings);

        builder.WebHost.UseUrls(settings.AdminUrl);
        // Uploads are capped by MaxUploadBytes, other admin bodies by AdminGuard.
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = null);
        builder.Services.ConfigureHttpJsonOptions(o => ApiJson.Configure(o.SerializerOptions));
        // A parameter that does not bind throws, so AdminGuard answers with what it must be (else: an empty 400).
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.AddSingleton(settings);
        // What endpoints and adapters resolve: each its domain's part.
        builder.Services.AddSingleton(settings.Admin);
        builder.Services.AddSingleton(settings.JournalSettings);
        builder.Services.AddSingleton(settings.Cipher);
        builder.Services.AddSingleton<IContainerRuntime>(_ => new DockerRuntime(settings.DockerHost, settings.InstanceId, settings.DockerTimeout,
            settings.ContainerLogs));
        // The router runs its own Kestrel pipeline; the actors reach it through its route table and drain watch.
        var router = new RouterHost(settings.Router);
        builder.Services.AddSingleton(_ => router); // made by a factory, so the container disposes it
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RouterHost>());
        builder.Services.AddSingleton(router.Table);
        builder.Services.AddSingleton(router.Drains);
        var exit = new NodeExit();
        builder.Services.AddSingleton(exit);

        builder.Services.AddAkka(ClusterSettings.SystemName, (akka, sp) =>
        {
            var runtime = sp.GetRequiredService<IContainerRuntime>();
            var table = sp.GetRequiredService<RouteTable>();
            var drains = sp.GetRequiredService<DrainWatch>();
            akka.ConfigureLoggers(l => l.AddLoggerFactory());
            akka.AddHocon(Lighthouse.ClusterTiming.Hocon, HoconAddMode.Prepend);
            akka.WithEngineJournal(settings)
                .WithRemoting(new RemoteOptions { HostName = settings.Cluster.Host, Port = settings.Cluster.ParsedPort })
                .WithClustering(new ClusterOptions
                {
                    // A worker's name rides along as a role, so every node reads it from the membership.
                    Roles = [.. settings.Cluster.RoleList, .. settings.Cluster.RoleList.Contains(ClusterSettings.Worker)
                        ? [WorkerMembers.NameRolePrefix + settings.Cluster.WorkerName] : Array.Empty<string>()],
                    SeedNodes = [.. settings.Cluster.SeedAddresses.Select(a => a.ToString())],
                })
                .WithActors((system, registry) =>
                {
                    exit.Watch(system);
                    // First: once this node is up, deployments may place their children here.
                    if (settings.Cluster.RoleList.Contains(ClusterSettings.Worker))
                    {
                        DockerHost.Register(system, runtime, settings.Cluster);
                        system.ActorOf(WorkerActor.Props(runtime, settings.Cluster), WorkerActor.Name);
                    }
                    // No seeds: this node is a cluster of its own, as the single-node engine always was.
                    var cluster = Akka.Cluster.Cluster.Get(system);
                    if (settings.Cluster.SeedAddresses.Count == 0) cluster.Join(cluster.SelfAddress);
                    registry.Register<RouterActor>(system.ActorOf(RouterActor.Props(table, drains, settings.Router), "router"));
                    // The apps' actors on this node send route changes to every router node through it.
                    registry.Register<RouteBroadcastActor>(system.ActorOf(RouteBroadcastActor.Props(), "routes"));
                    // Any node takes uploads; builds on other nodes copy them from here.
                    system.ActorOf(UploadsActor.Props(settings.UploadDir), UploadsActor.Name);
                    // The deployments' logs: written to the journal's database by the node their app runs on, watched there.
                    system.ActorOf(DeploymentLogsActor.Props(settings.Deployments, settings.JournalSettings), DeploymentLogsActor.Name);
                    // Operators' palettes: cluster commands are journaled here; another node's admin API reads this
                    // node's actor tree through the second.
                    registry.Register<OperatorLogActor>(system.ActorOf(OperatorLogActor.Props(settings.Cluster.WorkerName), OperatorLogActor.Name));
                    system.ActorOf(Props.Create<ActorTreeActor>(), ActorTreeActor.Name);
                })
                .WithApps(settings)
                .WithDeploymentsProjection(settings.JournalSettings, settings.Cluster)
                .WithActors((system, registry) =>
                {
                    // The apps' containers run on worker nodes: only they use a Docker engine.
                    if (!settings.Cluster.RoleList.Contains(ClusterSettings.Worker)) return;
                    registry.Register<DockerWatcherActor>(system.ActorOf(
                        DockerWatcherActor.Props(runtime, registry.Get<AppActor>(),
                            async ct => (await AppListing.IndexAsync(system, settings.JournalSettings, ct)).Deployed,
                            settings.DockerTimeout), "docker-watcher"));
                });
        });

        var web = builder.Build();
        web.Lifetime.ApplicationStopped.Register(dataDirLock.Dispose);
        web.UseAdminGuard(settings.Admin);
        web.UseWebSockets(); // an attached `engine run`
        web.MapAdminApi(settings.Admin, api => api.MapPalettes(settings.Admin));
        web.MapAdminFallback();
        return web;
    }

    /// <summary>The SQL journal (SQLite in the data dir, or PostgreSQL), its tags in a table, and the adapter that seals env
    /// values and tags app events: the node's and the tests' actor systems journal the same way.</summary>
    public static AkkaConfigurationBuilder WithEngineJournal(this AkkaConfigurationBuilder akka, EngineSettings settings)
    {
        if (settings.UsesSqlite)
            // SQLite has a single writer. Reads, snapshot loads too, run in deferred transactions (Microsoft.Data.Sqlite
            // opens any other level with BEGIN IMMEDIATE: every actor's recovery then queued on the write lock and slept
            // on SQLITE_BUSY, blocking its thread; a restart with a few routed apps took 10 s instead of 4).
            akka.AddHocon("""
                akka.persistence.journal.sql.parallelism = 1
                akka.persistence.journal.sql.read-isolation-level = read-uncommitted
                akka.persistence.query.journal.sql.read-isolation-level = read-uncommitted
                akka.persistence.snapshot-store.sql.read-isolation-level = read-uncommitted
                """, HoconAddMode.Prepend);
        // After a journal outage, writes work again within about a second of the database's return. Akka's breakers
        // open after a few failures and stayed open 30 s (journal) and 60 s (snapshot store, which every recovery reads
        // first: the 60 s of refused writes measured after a PostgreSQL outage); now each tries one call a second.
        akka.AddHocon("""
            akka.persistence.journal.sql.circuit-breaker.reset-timeout = 1s
            akka.persistence.snapshot-store.sql.circuit-breaker.reset-timeout = 1s
            """, HoconAddMode.Prepend);
        // What the journal holds is the contract: stable names, never CLR types.
        akka.WithEngineContract();
        akka.WithSqlPersistence(
            connectionString: JournalDatabase.ConnectionString(settings.JournalSettings),
            providerName: settings.UsesSqlite ? ProviderName.SQLiteMS : ProviderName.PostgreSQL15,
            autoInitialize: true,
            tagStorageMode: TagMode.TagTable,
            journalBuilder: j => j.AddEventAdapter<EnvSealingAdapter>("env-sealing", [typeof(IAppEvent)]));
        // A shared journal: only the holder of an app's shard lease (or the coordinator's) writes its
        // history, whatever the membership says. SQLite is one node's file and needs none.
        if (!settings.UsesSqlite)
            akka.AddHocon($$"""
                akka.persistence.journal.sql.class = "{{typeof(FencedJournal).AssemblyQualifiedName}}"
                engine.journal-lease {
                  lease-class = "{{typeof(JournalLease).AssemblyQualifiedName}}"
                  heartbeat-timeout = {{JournalLeases.TimeToLive.TotalSeconds}}s
                  heartbeat-interval = {{JournalLeases.Heartbeat.TotalSeconds}}s
                  lease-operation-timeout = 5s
                }
                akka.cluster.sharding.use-lease = engine.journal-lease
                akka.cluster.sharding.lease-retry-interval = 1s
                # Also the shard coordinator's: sharding's coordinator-singleton names this section.
                akka.cluster.singleton.use-lease = engine.journal-lease
                akka.cluster.singleton.lease-retry-interval = 1s
                """, HoconAddMode.Prepend);
        return akka;
    }

    /// <summary>The apps are sharded entities on the control nodes; every app message goes straight to its entity, through
    /// the region there and a proxy of it on other nodes. The coordinator's state (which region holds which shard) is
    /// distributed data, as Akka.NET recommends, rebuilt by the regions at a full restart. Sharding remembers no entity:
    /// the journal already says which apps deployed, and a singleton (<see cref="AppsStartupActor"/>) starts them at the
    /// cluster's start and again when a control node leaves, so a restart journals nothing per shard (remembering them
    /// cost one journal write per shard, one at a time, at every start). The durable-data directory is pinned to the
    /// node's own data dir, never a shared working dir.</summary>
    private static AkkaConfigurationBuilder WithApps(this AkkaConfigurationBuilder akka, EngineSettings settings)
    {
        if (!settings.Cluster.RoleList.Contains(ClusterSettings.Control))
            return akka.WithShardRegionProxy<AppActor>(AppMessageExtractor.RegionName, ClusterSettings.Control, new AppMessageExtractor());
        return akka.AddHocon($$"""
                akka.cluster.sharding.distributed-data.durable.lmdb.dir = {{Hocon(settings.ShardingDataDir)}}
                # A region registers with the coordinator, and asks where a shard lives, again after this when not answered:
                # at a start the coordinator comes up after the region's first try (default 2 s, up to 2 s lost per step).
                akka.cluster.sharding.retry-interval = 200ms
                akka.cluster.singleton-proxy.singleton-identification-interval = 200ms
                # An app stops only by itself (an idle one, one that does not exist): never because it was quiet.
                akka.cluster.sharding.passivate-idle-entity-after = off
                # No rebalancing: moving an app to a node that joined would interrupt its deployment for nothing.
                akka.cluster.sharding.least-shard-allocation-strategy.rebalance-threshold = 1000000
                """, HoconAddMode.Prepend)
            .WithShardRegion<AppActor>(AppMessageExtractor.RegionName,
                (_, registry, _) => app => AppEntityActor.For(app, settings.Apps, ClusterWorkers.Instance, registry.Get<RouteBroadcastActor>()),
                new AppMessageExtractor(),
                new ShardOptions
                {
                    Role = ClusterSettings.Control,
                    RememberEntities = false,
                    StateStoreMode = StateStoreMode.DData,
                })
            .WithSingleton<AppsStartupActor>(AppsStartupActor.Name, (system, registry, _) => AppsStartupActor.Props(ClusterWorkers.Instance,
                    registry.Get<AppActor>(), registry.Get<RouteBroadcastActor>(), ct => AppListing.IndexAsync(system, settings.JournalSettings, ct)),
                new ClusterSingletonOptions { Role = ClusterSettings.Control }, createProxyToo: false);
    }

    /// <summary>A HOCON string: quoted, with its backslashes and quotes escaped.</summary>
    private static string Hocon(string value) => System.Text.Json.JsonSerializer.Serialize(value);

    /// <summary>CLUSTER_IP, CLUSTER_PORT and CLUSTER_SEEDS, as petabridge/lighthouse reads them, for the keys that
    /// configuration (`Engine__Cluster__…`) does not set; `engine serve` options override both.</summary>
    private static Dictionary<string, string?> LighthouseStyleEnvironment(IConfiguration configuration)
    {
        var found = new Dictionary<string, string?>();
        foreach (var (variable, key) in new[] { ("CLUSTER_IP", "Host"), ("CLUSTER_PORT", "Port"), ("CLUSTER_SEEDS", "Seeds") })
            if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value && configuration[$"Engine:Cluster:{key}"] is null)
                found[$"Engine:Cluster:{key}"] = value;
        return found;
    }
}
