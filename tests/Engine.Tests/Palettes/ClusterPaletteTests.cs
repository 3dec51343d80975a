using System.Text.Json;
using Engine.Tests.Support;
using static Engine.Tests.Support.Deadlines;

namespace Engine.Tests.Palettes;

/// <summary>The cluster palette against real node processes behind a Lighthouse: leave, down, down-unreachable and join
/// change the membership, `tail` streams what happens, and another node's actor tree is read through this one.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ClusterPaletteTests(PostgresServer postgres)
{
    private static async Task<string> SelfOf(EngineNode node) =>
        (await node.Cli("cluster", "show", "--json")).Json.GetProperty("self").GetString()!;

    private static Func<string, bool> Event(string name, string address) => line =>
    {
        var e = JsonDocument.Parse(line).RootElement;
        return e.GetProperty("event").GetString() == name && e.GetProperty("address").GetString() == address;
    };

    [Fact]
    public async Task Leave_down_and_down_unreachable_remove_members_join_adds_one_and_tail_streams_it_all()
    {
        await using var cluster = await TestCluster.StartAsync(postgres);
        var control = await cluster.StartNodeAsync("control,router,worker");
        var leaving = await cluster.StartNodeAsync("worker");
        var downed = await cluster.StartNodeAsync("worker");
        var unreachable = await cluster.StartNodeAsync("worker");
        await TestCluster.AllUpAsync(control, 5);
        var (leavingAt, downedAt, unreachableAt) = (await SelfOf(leaving), await SelfOf(downed), await SelfOf(unreachable));

        using var tail = control.StartCli("cluster", "tail", "--json");
        await tail.WaitForLine(Event("member-up", unreachableAt), Within, "with the current members first");

        var remote = await control.Cli("actor", "hierarchy", "--node", leavingAt, "--depth", "1", "--json");
        Assert.True(remote.ExitCode == 0, remote.ToString());
        Assert.Equal(leavingAt, remote.Json.GetProperty("node").GetString());
        Assert.Contains(remote.Json.GetProperty("actors").EnumerateArray(), a => a.GetProperty("name").GetString() == "worker");

        var left = await control.Cli("cluster", "leave", leavingAt, "--json");
        Assert.True(left.ExitCode == 0, left.ToString());
        Assert.Equal(Environment.UserName, left.Json.GetProperty("by").GetString());
        await tail.WaitForLine(Event("member-removed", leavingAt), Within, "the leaving member removed");
        Assert.Equal(0, await leaving.WaitForExitAsync(Within));

        // One frozen member at a time, each command right after the member is seen unreachable: the split-brain
        // resolver would down it by itself 7 s later (ClusterTiming).
        await unreachable.SignalAsync(freeze: true);
        await tail.WaitForLine(Event("unreachable", unreachableAt), Within, "the frozen member unreachable");
        var swept = await control.Cli("cluster", "down-unreachable", "--json");
        Assert.True(swept.ExitCode == 0, swept.ToString());
        Assert.Equal([unreachableAt], swept.Json.GetProperty("members").EnumerateArray().Select(m => m.GetString()));
        await tail.WaitForLine(Event("member-removed", unreachableAt), Within, "the unreachable member removed");
        await downed.SignalAsync(freeze: true);
        await tail.WaitForLine(Event("unreachable", downedAt), Within, "the other frozen member unreachable");
        await control.CliOk("cluster", "down", downedAt);
        await tail.WaitForLine(Event("member-removed", downedAt), Within, "the downed member removed");
        // Woken, a downed node learns it was removed and stops rather than act as a member.
        await downed.SignalAsync(freeze: false);
        Assert.Equal(3, await downed.WaitForExitAsync(Within));
        await unreachable.SignalAsync(freeze: false);

        Assert.Equal(2, (await control.Cli("cluster", "show", "--json")).Json.GetProperty("members").GetArrayLength());
        var nothing = await control.Cli("cluster", "down-unreachable");
        Assert.True(nothing.ExitCode == 0 && nothing.Stdout.Contains("no member is unreachable"), nothing.ToString());
        Assert.Equal(1, (await control.Cli("cluster", "down", leavingAt)).ExitCode);
        Assert.Equal(2, (await control.Cli("cluster", "down", "not-an-address")).ExitCode);
        var join = await control.Cli("cluster", "join", cluster.Seed);
        Assert.True(join.ExitCode == 1 && join.Stderr.Contains("already up in a cluster"), join.ToString());
        // A node whose seed is gone joins the cluster when told to.
        var stray = await cluster.StartUnjoinedNodeAsync("worker");
        var joined = await stray.Cli("cluster", "join", cluster.Seed, "--json");
        Assert.True(joined.ExitCode == 0, joined.ToString());
        var strayAt = await SelfOf(stray);
        await tail.WaitForLine(Event("member-up", strayAt), Within, "the member that joined up");
        await TestCluster.AllUpAsync(control, 3);

        // The control node is the last one: neither it nor any other node may take it away.
        var controlAt = await SelfOf(control);
        foreach (var (from, command) in new[] { (stray, "down"), (control, "leave") })
        {
            var kept = await from.Cli("cluster", command, controlAt);
            Assert.True(kept.ExitCode == 1 && kept.Stderr.Contains($"{controlAt} is the last control node"), kept.ToString());
        }

        // Each change is in the journal, with who asked and the node that took it; refusals changed nothing.
        var journaled = (await control.Cli("audit", "--type", "OperatorCommandRun", "--json")).Json.GetProperty("events").EnumerateArray()
            .Select(e => (e.GetProperty("detail").GetString(), e.GetProperty("by").GetString(), e.GetProperty("node").GetString())).ToList();
        Assert.Equal([($"cluster leave {leavingAt}", Environment.UserName, controlAt),
            ($"cluster down-unreachable {unreachableAt}", Environment.UserName, controlAt),
            ($"cluster down {downedAt}", Environment.UserName, controlAt),
            ($"cluster join {cluster.Seed}", Environment.UserName, strayAt)], journaled);
    }
}
