using Akka.Actor;
using Engine.Protocol;
using Engine.Cluster;

namespace Engine.Workers;

/// <summary>The `pushing` phase of a deployment on a cluster (and the placing of a scale or of containers a lost worker
/// ran): asks every up worker for its load, places the formation (<see cref="Placement"/>), pushes the image from a
/// worker that holds it to the registry and has every other worker that will run it pull it, then reserves each
/// worker's $PORTs. Replies ContainersPlaced or PlacementFailed to its parent; a worker it talks to that leaves the cluster
/// ends it with WorkerLost.</summary>
public sealed class PlacementActor : ReceiveActor
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(10);

    /// <param name="HasImage">The workers that hold the image (first: the one that built it), placed on first.</param>
    /// <param name="TransferTimeout">How long a push or pull may take (a deployment's own deadline ends it sooner).</param>
    /// <param name="CountOwn">Whether the app's own containers count in the workers' load: not for a new release,
    /// which replaces them; yes when adding to the running one.</param>
    /// <param name="Existing">Containers of the release that run and stay (type, index, worker).</param>
    public sealed record Request(string App, string Image, IReadOnlyList<(string Type, int Count)> Formation,
        IReadOnlyList<string> HasImage, string Registry, TimeSpan TransferTimeout, bool CountOwn = false,
        IReadOnlyList<(string Type, int Index, string Worker)>? Existing = null);

    private sealed record Watch(IReadOnlyList<IActorRef> Workers);

    public static Props Props(Request request) => Akka.Actor.Props.Create(() => new PlacementActor(request));

    public PlacementActor(Request request)
    {
        var parent = Context.Parent;
        var self = Self;
        var system = Context.System;
        Receive<Watch>(w => { foreach (var worker in w.Workers) Context.Watch(worker); });
        Receive<Terminated>(t =>
        {
            if (!t.AddressTerminated) return;
            parent.Tell(new WorkerLost(t.ActorRef.Path.Address.ToString()));
            Context.Stop(Self);
        });
        PlaceAsync(system, request, line => parent.Tell(new DeploymentLogLine(line)), workers => self.Tell(new Watch(workers)), parent)
            .PipeTo(parent, self, failure: e => new PlacementFailed(DeploymentStatus.BuildError,
                $"the release could not be placed: {e.GetBaseException().Message}"));
    }

    private static async Task<IDeploymentCommand> PlaceAsync(ActorSystem system, Request r, Action<string> log,
        Action<IReadOnlyList<IActorRef>> watch, IActorRef deployment)
    {
        int Rank(UpWorker w)
        {
            var i = r.HasImage.ToList().FindIndex(h => h == w.Name || h == w.Address.ToString());
            return i < 0 ? int.MaxValue : i;
        }
        var up = WorkerMembers.Workers(system).OrderBy(Rank).ToList();
        var refs = new Dictionary<string, IActorRef>();
        var infos = new List<WorkerInfo>();
        foreach (var (worker, found) in up.Zip(await Task.WhenAll(up.Select(w => AskWorker(system, w.Address.ToString(), r.CountOwn ? null : r.App)))))
        {
            if (found.Info is null)
            {
                log($"worker {worker.Name} is left out: {found.Error}");
                continue;
            }
            refs[found.Info.Name] = found.Ref!;
            infos.Add(found.Info);
        }
        var holders = infos.Where(w => r.HasImage.Contains(w.Name) || r.HasImage.Contains(w.Address)).Select(w => w.Name).ToList();
        watch(refs.Values.ToList());
        if (Placement.Plan(r.Formation, infos, out var error, r.Existing) is not { } plan)
            return new PlacementFailed(DeploymentStatus.PlacementError, error!);
        foreach (var (worker, placed) in plan.GroupBy(p => p.Worker).Select(g => (g.Key, g.ToList())))
            log($"placed {string.Join(", ", placed.Select(p => $"{p.Type}-{p.Index}"))} on {worker}");

        var pullers = plan.Select(p => p.Worker).Where(w => !holders.Contains(w)).Distinct().ToList();
        if (pullers.Count > 0)
        {
            if (r.Registry.Length == 0)
                return new PlacementFailed(DeploymentStatus.PlacementError, NoRegistry.Error(up.Count));
            var remote = $"{r.Registry}/{r.Image}";
            if (holders.FirstOrDefault() is not { } source)
                return new PlacementFailed(DeploymentStatus.PlacementError, $"no worker that holds {r.Image} is up to push it");
            var pushed = await refs[source].Ask<ImageDistributed>(new PushImage(r.Image, remote, deployment), r.TransferTimeout);
            if (pushed.Error is { } pushError)
                return new PlacementFailed(DeploymentStatus.BuildError, $"worker {source} could not push {remote}: {pushError}");
            log($"pushed {remote}");
            var pulled = await Task.WhenAll(pullers.Select(w =>
                refs[w].Ask<ImageDistributed>(new PullImage(remote, r.Image, deployment), r.TransferTimeout)));
            if (pulled.FirstOrDefault(p => p.Error is not null) is { } failed)
                return new PlacementFailed(DeploymentStatus.BuildError, $"worker {failed.Worker} could not pull {remote}: {failed.Error}");
            log($"pulled {remote} on {string.Join(", ", pullers)}");
        }

        var ports = new Dictionary<PlacedContainer, int>();
        foreach (var webs in plan.Where(p => p.Type == Procfile.Web).GroupBy(p => p.Worker).Select(g => g.ToList()))
        {
            var reserved = await refs[webs[0].Worker].Ask<PortsReserved>(new ReservePorts(webs.Count), AskTimeout);
            if (reserved.Error is { } portError) return new PlacementFailed(DeploymentStatus.PlacementError, portError);
            foreach (var (web, port) in webs.Zip(reserved.Ports)) ports[web] = port;
        }
        return new ContainersPlaced(plan.Select(p => ports.TryGetValue(p, out var port) ? p with { Port = port } : p).ToList());
    }

    private static async Task<(IActorRef? Ref, WorkerInfo? Info, string? Error)> AskWorker(ActorSystem system, string address, string? exceptApp)
    {
        try
        {
            var worker = await WorkerActor.At(system, address).ResolveOne(AskTimeout);
            var reply = await worker.Ask(new DescribeWorker(exceptApp), AskTimeout);
            return reply is WorkerInfo info ? (worker, info, null)
                : (null, null, reply is Status.Failure f ? f.Cause.Message : $"unexpected answer {reply}");
        }
        catch (Exception e) when (e is ActorNotFoundException or AskTimeoutException)
        {
            return (null, null, "it did not answer");
        }
    }
}
