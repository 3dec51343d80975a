using Akka.Actor;
using Engine.Deployments;
using Engine.Hosting;

namespace Engine.Apps;

/// <summary>A deployment's log is a file on the node its app runs on: any node's admin API reads it, and waits on it,
/// through the app.</summary>
public static class DeploymentLogs
{
    public static void Read(AppState state, EngineSettings settings, ReadDeploymentLog r, IActorRef replyTo) =>
        replyTo.Tell(Refuse(state, settings, r.DeploymentId) ?? (object)FileChunk.Read(settings.LogPath(r.DeploymentId), r.Offset, missing: null));

    public static void Watch(AppState state, EngineSettings settings, WatchDeployment w, IActorRef replyTo, ActorSystem system)
    {
        if (Refuse(state, settings, w.DeploymentId) is { } refused)
        {
            replyTo.Tell(refused);
            return;
        }
        // The event stream unsubscribes it once it stops, wherever it runs.
        system.EventStream.Subscribe(w.Waiter, typeof(DeploymentChanged));
        var log = new FileInfo(settings.LogPath(w.DeploymentId));
        replyTo.Tell(new WatchingDeployment(log.Exists ? log.Length : 0));
    }

    private static AppError? Refuse(AppState state, EngineSettings settings, string deploymentId) =>
        state.Find(deploymentId) is null ? new AppError($"deployment '{deploymentId}' not found", NotFound: true)
        : !Directory.Exists(settings.LogDir)
            ? new AppError($"the log directory {settings.LogDir} is gone (was the data directory removed?)", Unavailable: true)
        : null;
}
