using Engine.Tests.Support;

namespace Engine.Tests.Workers;

/// <summary>A rollback on two workers, each with its own Docker daemon, and a registry between them.</summary>
[Collection(PostgresCollection.Name)]
public sealed class RollbackAcrossWorkersTests(PostgresServer postgres, TwoWorkersFixture docker) : IClassFixture<TwoWorkersFixture>
{
    [Fact]
    public async Task A_rollback_finds_the_image_on_the_worker_that_built_it_and_the_other_worker_pulls_it_nothing_is_built()
    {
        await using var nodes = await TwoWorkerCluster.StartAsync(postgres, docker);
        var app = nodes.Control.NewApp("mwroll");
        using var dir = TwoWorkerCluster.App();
        await nodes.Control.DeployAsync(dir, app);
        var builder = Assert.Single(await nodes.PsAsync(app)).Worker;
        var (built, other) = builder == TwoWorkerCluster.NameA ? (docker.DockerA, docker.DockerB) : (docker.DockerB, docker.DockerA);
        Assert.Empty(await other.ImagesOf(app)); // v1's image is on its builder only
        File.WriteAllText(dir.Combine("revision"), "2");
        await nodes.Control.DeployAsync(dir, app);
        await nodes.Control.CliOk("scale", app, "web=2");
        var v1Image = (await built.ImagesOf(app)).Single(i => i.Key.Contains(":v1-"));

        var rollback = await nodes.Control.CliOk("rollback", app, "--to", "v1");
        Assert.Contains($"deployment {app}-v3: success", rollback.Stdout);
        Assert.DoesNotContain("built image", rollback.Stderr);
        Assert.Contains($"reusing image {v1Image.Key}", rollback.Stderr);
        Assert.Contains($"pushed {docker.Registry.Address}/{v1Image.Key}", rollback.Stderr);
        Assert.Contains("pulled", rollback.Stderr);
        // The same image, moved to the other worker rather than built there.
        Assert.Equal(v1Image.Value, (await other.ImagesOf(app))[v1Image.Key]);
        var ps = await nodes.PsAsync(app);
        Assert.Equal([("web-1", "v3"), ("web-2", "v3")], ps.Select(c => (c.Name, c.Version)));
        Assert.Equal([TwoWorkerCluster.NameA, TwoWorkerCluster.NameB], ps.Select(c => c.Worker).Order());
        var releases = (await nodes.Control.CliOk("releases", app, "--json")).Json.EnumerateArray().ToList();
        Assert.Equal(["v3", "v2", "v1"], releases.Select(r => r.GetProperty("version").GetString()));
        Assert.Equal([TwoWorkerCluster.NameA, TwoWorkerCluster.NameB],
            releases[2].GetProperty("workers").EnumerateArray().Select(w => w.GetString()).Order());
    }
}
