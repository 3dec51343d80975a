using Akka.Actor;

namespace Engine.Hosting;

/// <summary>Why the node stopped. One the cluster downed (it was unreachable too long, e.g. frozen) stops rather than
/// act as a second owner, and exits non-zero, so a supervisor (systemd, Docker's restart policy) starts it again and
/// it rejoins as a new member.</summary>
public sealed class NodeExit
{
    private ActorSystem? _system;

    public void Watch(ActorSystem system) => _system = system;

    public bool DownedByCluster =>
        _system is { } system && CoordinatedShutdown.Get(system).ShutdownReason is CoordinatedShutdown.ClusterDowningReason;
}
