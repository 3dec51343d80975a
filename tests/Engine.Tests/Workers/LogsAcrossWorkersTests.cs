using System.Globalization;
using System.Text.Json;
using Engine.Tests.Support;
using static Engine.Tests.Support.Deadlines;

namespace Engine.Tests.Workers;

/// <summary>`engine logs` of an app whose containers run on two workers, each with its own Docker daemon.</summary>
[Collection(PostgresCollection.Name)]
public sealed class LogsAcrossWorkersTests(PostgresServer postgres, TwoWorkersFixture docker) : IClassFixture<TwoWorkersFixture>
{
    [Fact]
    public async Task The_lines_of_both_workers_containers_come_merged_in_timestamp_order_through_any_node()
    {
        await using var nodes = await TwoWorkerCluster.StartAsync(postgres, docker);
        var app = nodes.Control.NewApp("mwlogs");
        // Each web container says three numbered lines, 1 s apart, before it serves: v2's two start together, one per
        // worker, so their lines interleave in time.
        using var dir = TwoWorkerCluster.App("web: sh -c 'for i in 1 2 3; do echo \"$CONTAINER_VERSION $CONTAINER line $i\"; sleep 1; done; exec sh /app/web.sh'\n");
        await nodes.Control.DeployAsync(dir, app);
        await nodes.Control.CliOk("scale", app, "web=2");
        await nodes.Control.DeployAsync(dir, app);
        Assert.Equal([TwoWorkerCluster.NameA, TwoWorkerCluster.NameB], (await nodes.PsAsync(app)).Select(c => c.Worker).Order());

        foreach (var node in new[] { nodes.Control, nodes.B })
        {
            var lines = (await node.CliOk("logs", app, "--json")).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => JsonDocument.Parse(l).RootElement).Where(l => l.GetProperty("version").GetString() == "v2").ToList();
            Assert.Equal([TwoWorkerCluster.NameA, TwoWorkerCluster.NameB], lines.Select(l => l.GetProperty("worker").GetString()).Distinct().Order());
            var times = lines.Select(l => DateTimeOffset.Parse(l.GetProperty("at").GetString()!, CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(times.Order(), times);
            foreach (var web in new[] { "web-1", "web-2" })
                Assert.Equal([$"v2 {web} line 1", $"v2 {web} line 2", $"v2 {web} line 3"],
                    lines.Where(l => l.GetProperty("container").GetString() == web).Select(l => l.GetProperty("text").GetString()));
            // Merged, not one worker's lines after the other's.
            var containers = lines.Select(l => l.GetProperty("container").GetString()).ToList();
            Assert.True(containers.Zip(containers.Skip(1)).Count(p => p.Item1 != p.Item2) >= 2, string.Join(", ", containers));
        }
    }
}
