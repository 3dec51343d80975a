using Engine.Tests.Support;

namespace Engine.Tests.Admin;

public sealed class BrokenDataDirTests
{
    [Fact]
    public async Task With_its_data_dir_deleted_the_node_answers_errors_that_carry_their_cause()
    {
        await using var node = await EngineNode.StartAsync("--start-timeout", "5");
        var app = node.NewApp("nodata");
        using var dir = new AppDir();
        await node.DeployAsync(dir, app);

        Directory.Delete(node.DataDir, recursive: true);

        var deploy = await node.Cli("deploy", dir.Path, "--app", app);
        Assert.NotEqual(0, deploy.ExitCode);
        Assert.DoesNotContain("error:  (HTTP", deploy.Stderr);
        Assert.Contains("cannot store the upload in", deploy.Stderr);

        var logs = await node.Cli("deployment", "logs", $"{app}-v1");
        Assert.NotEqual(0, logs.ExitCode);
        Assert.Contains("is gone (was the data directory removed?)", logs.Stderr);
    }
}
