using Akka.Actor;
using Akka.Cluster;

namespace Engine.Cluster;

/// <summary>A worker node that is up and reachable. <paramref name="Name"/> stays the same across restarts of the node
/// (its address may not: a node on port 0 gets another one), so containers are recorded by it.</summary>
public sealed record UpWorker(Address Address, string Name);

/// <summary>Which worker node runs a deployment's Docker work, and how a child actor gets there: Akka remote deployment
/// onto the worker's address (a local actor when that address is this node's own).</summary>
public static class WorkerMembers
{
    /// <summary>A worker node carries its name as a role with this prefix, so every node reads it from the membership.</summary>
    public const string NameRolePrefix = "worker-name.";

    /// <summary>The up and reachable worker nodes, this one first when it is one (its Docker work stays in-process),
    /// then by address.</summary>
    public static IReadOnlyList<UpWorker> Workers(ActorSystem system)
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        var state = cluster.State;
        return state.Members
            .Where(m => m.Status == MemberStatus.Up && m.HasRole(Engine.Cluster.ClusterSettings.Worker) && !state.Unreachable.Contains(m))
            .OrderBy(m => m.Address == cluster.SelfAddress ? 0 : 1).ThenBy(m => m.Address.ToString(), StringComparer.Ordinal)
            .Select(m => new UpWorker(m.Address, NameOf(m)))
            .ToList();
    }

    public static IReadOnlyList<Address> Up(ActorSystem system) => Workers(system).Select(w => w.Address).ToList();

    /// <summary>The worker's name (its address for a node that gives none).</summary>
    public static string NameOf(Member member) =>
        member.Roles.FirstOrDefault(r => r.StartsWith(NameRolePrefix, StringComparison.Ordinal))?[NameRolePrefix.Length..]
        ?? member.Address.ToString();

    /// <summary>The up worker of that name or address (records from before names were kept hold addresses), or null.</summary>
    public static Address? Find(ActorSystem system, string? worker) =>
        worker is null ? null : Workers(system).FirstOrDefault(w => w.Name == worker || w.Address.ToString() == worker)?.Address;

    /// <summary>The preferred worker while it is up (a deployment stays where its containers are), else the first up one;
    /// null when none is.</summary>
    public static Address? Pick(ActorSystem system, string? preferred) => Find(system, preferred) ?? Up(system).FirstOrDefault();

    /// <summary>The props, to be created on the worker. With no worker up they stay local, and the child fails at once
    /// with <see cref="DockerHost.Get"/>'s message unless this node is a worker itself.</summary>
    public static Props On(Address? worker, Props props) =>
        worker is null ? props : props.WithDeploy(Deploy.None.WithScope(new RemoteScope(worker)));
}
