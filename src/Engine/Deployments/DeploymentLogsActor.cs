using Akka.Actor;
using Engine.Protocol;

namespace Engine.Deployments;

/// <summary>This node's deployment logs (files in its data directory, written by the deployments that run here): reads
/// them and watches them for any node's admin API, which reaches it through the deployment's app. One per node, at
/// /user/deployment-logs.</summary>
public sealed class DeploymentLogsActor : ReceiveActor
{
    public const string Name = "deployment-logs";

    public static Props Props(DeploymentSettings settings) => Akka.Actor.Props.Create(() => new DeploymentLogsActor(settings));

    /// <summary>The one of this node.</summary>
    public static ActorSelection Here(IActorContext context) => context.ActorSelection(new RootActorPath(context.Self.Path.Address) / "user" / Name);

    public DeploymentLogsActor(DeploymentSettings settings)
    {
        AppError? Gone() => Directory.Exists(settings.LogDir) ? null
            : new AppError($"the log directory {settings.LogDir} is gone (was the data directory removed?)", Unavailable: true);

        Receive<ReadDeploymentLog>(r => Sender.Tell(Gone() ?? (object)FileChunk.Read(settings.LogPath(r.DeploymentId), r.Offset, missing: null)));
        Receive<WatchDeployment>(w =>
        {
            if (Gone() is { } gone)
            {
                Sender.Tell(gone);
                return;
            }
            // The event stream unsubscribes it once it stops, wherever it runs.
            Context.System.EventStream.Subscribe(w.Waiter, typeof(DeploymentChanged));
            var log = new FileInfo(settings.LogPath(w.DeploymentId));
            Sender.Tell(new WatchingDeployment(log.Exists ? log.Length : 0));
        });
    }
}
