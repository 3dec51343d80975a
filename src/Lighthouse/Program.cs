using Akka.Actor;
using Akka.Cluster.Hosting;
using Akka.Hosting;
using Akka.Remote.Hosting;
using Lighthouse;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

// A cluster seed node with no application logic, configured like petabridge/lighthouse. SIGTERM leaves the cluster
// gracefully: the host's shutdown runs Akka's CoordinatedShutdown, whose cluster phases leave before the process ends.
var builder = Host.CreateApplicationBuilder(args);
var settings = builder.Configuration.Get<LighthouseSettings>() ?? new LighthouseSettings();
IReadOnlyList<Address> seeds;
try
{
    seeds = settings.SeedAddresses();
}
catch (LighthouseConfigException e)
{
    Console.Error.WriteLine($"lighthouse: {e.Message}");
    return 2;
}

builder.Services.AddAkka(settings.ActorSystem, (akka, _) => akka
    .ConfigureLoggers(l => l.AddLoggerFactory())
    .AddHocon(ClusterTiming.Hocon, HoconAddMode.Prepend)
    .WithRemoting(new RemoteOptions { HostName = "0.0.0.0", PublicHostName = settings.PublicHost, Port = settings.ParsedPort })
    .WithClustering(new ClusterOptions { Roles = ["lighthouse"], SeedNodes = seeds.Select(s => s.ToString()).ToArray() })
    .WithActors((system, _) => system.ActorOf(Props.Create<MembershipLogger>(), "membership")));

var host = builder.Build();
Console.WriteLine($"lighthouse: {settings.Self} (seeds: {string.Join(", ", seeds)})");
if (seeds.Count == 1)
    Console.Error.WriteLine("lighthouse: warning: CLUSTER_SEEDS names no other node, so if this seed restarts while the cluster " +
        "runs it forms a second cluster of its own (the journal's leases keep that one from writing); name the other " +
        "seeds and control nodes after this one");
try
{
    await host.RunAsync();
}
catch (Exception e) when (BindFailure.Of(e) is { } socket)
{
    Console.Error.WriteLine($"lighthouse: cannot listen on port {settings.ParsedPort}: {socket.Message}");
    return 1;
}
return 0;
