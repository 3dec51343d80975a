using Engine.Cluster;
using Engine.Palettes;

namespace Engine.Tests.Palettes;

public sealed class MemberRemovalTests
{
    private static MemberView Member(string address, string roles, string status = "up") =>
        new(address, roles.Split(','), status, Reachable: true, Leader: false, Self: false, Worker: null);

    [Fact]
    public void The_last_member_may_neither_leave_nor_be_downed()
    {
        var alone = new[] { Member("a", "control,router,worker") };
        Assert.StartsWith("a is the last member of the cluster: 'cluster leave' would stop the engine", MemberRemoval.Refuse("leave", "a", alone));
        Assert.StartsWith("a is the last member", MemberRemoval.Refuse("down", "a", alone));
        // Members already on their way out do not keep the cluster going.
        var leaving = new[] { Member("a", "worker"), Member("b", "worker", "leaving"), Member("c", "worker", "joining") };
        Assert.StartsWith("a is the last member", MemberRemoval.Refuse("leave", "a", leaving));
    }

    [Fact]
    public void The_last_control_node_may_not_go_but_a_control_node_with_another_up_or_a_worker_may()
    {
        var members = new[] { Member("seed", "lighthouse"), Member("c1", "control,router"), Member("w", "worker") };
        Assert.StartsWith("c1 is the last control node: 'cluster down' would leave no node to run the apps",
            MemberRemoval.Refuse("down", "c1", members));
        Assert.Null(MemberRemoval.Refuse("leave", "w", members));
        Assert.Null(MemberRemoval.Refuse("leave", "c1", [.. members, Member("c2", "control", "weaklyup")]));
        Assert.NotNull(MemberRemoval.Refuse("leave", "c1", [.. members, Member("c2", "control", "exiting")]));
    }
}
