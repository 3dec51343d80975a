using Engine.Tests.Support;

namespace Engine.Tests.Cli;

public sealed class SigtermTests
{
    [Fact]
    public async Task SIGTERM_stops_the_node_gracefully_with_exit_code_0_every_time()
    {
        await using var node = await EngineNode.StartAsync();
        var codes = new List<int>();
        for (var run = 0; run < 10; run++)
        {
            if (run > 0) await node.RestartAsync();
            codes.Add(await node.TerminateAsync(TimeSpan.FromSeconds(30)));
        }
        Assert.All(codes, c => Assert.Equal(0, c));
    }
}
