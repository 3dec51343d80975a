using Engine.Containers;
using Engine.Tests.Support;
using Engine.Protocol;

namespace Engine.Tests.Containers;

/// <summary>Images against the real Docker engine: a build runs the Dockerfile's steps and nothing more, and the tag
/// alone finds an image again with its deployment, apart from another engine instance's images of the same app.</summary>
[Collection(DockerCollection.Name)]
public sealed class DockerRuntimeImageTests
{
    private static readonly string DockerHost =
        Environment.GetEnvironmentVariable("DOCKER_HOST") is { Length: > 0 } h ? h : "unix:///var/run/docker.sock";

    private static MemoryStream Context(string app) =>
        SourceTar.Build(("Dockerfile", "FROM busybox\nCOPY . /app\n"), ("name", app));

    [Fact]
    public async Task A_build_runs_only_the_Dockerfiles_steps_and_the_tag_finds_each_deployments_image_of_this_instance()
    {
        var app = $"img-{Guid.NewGuid().ToString("N")[..8]}";
        var mine = Guid.NewGuid().ToString("N")[..12];
        var other = Guid.NewGuid().ToString("N")[..12];
        using var runtime = new DockerRuntime(DockerHost, mine);
        using var otherRuntime = new DockerRuntime(DockerHost, other);
        var v1 = ImageSpec.For(mine, app, $"{app}-v1", "v1");
        var v2 = ImageSpec.For(mine, app, $"{app}-v2", "v2");
        var output = new List<string>();
        try
        {
            await runtime.BuildImageAsync(Context(app), v1, output.Add, CancellationToken.None);
            await runtime.BuildImageAsync(Context(app), v2, _ => { }, CancellationToken.None);
            await otherRuntime.BuildImageAsync(Context(app), ImageSpec.For(other, app, $"{app}-v1", "v1"), _ => { }, CancellationToken.None);

            // The legacy builder numbers its steps: two in the Dockerfile, no third one for labels.
            Assert.Contains(output, l => l.StartsWith("Step 2/2 :", StringComparison.Ordinal));
            Assert.DoesNotContain(output, l => l.Contains("LABEL", StringComparison.Ordinal));

            var listed = await runtime.ListImagesAsync(app, CancellationToken.None);
            Assert.Equal([(v1.DeploymentId, v1.Tag), (v2.DeploymentId, v2.Tag)],
                listed.Select(i => (i.DeploymentId, Assert.Single(i.Tags))).Order().ToArray());

            // Untagging v1 leaves v2 (the same content, so the same image) and the other instance's image alone.
            await runtime.RemoveImageAsync(v1.Tag, CancellationToken.None);
            Assert.Equal([v2.Tag], (await runtime.ListImagesAsync(app, CancellationToken.None)).SelectMany(i => i.Tags));
            Assert.Equal(2, (await DockerProbe.ImageTagsOf(app)).Count);
        }
        finally
        {
            await DockerProbe.RemoveImagesOfAsync(app);
        }
    }

    [Theory]
    [InlineData("engine-apps/hello:v3-abc", "hello-v3")]
    [InlineData("engine-apps/hello:v3-xyz", null)]
    [InlineData("engine-apps/hello-world:v3-abc", null)]
    [InlineData("engine-apps/hello:-abc", null)]
    [InlineData("other/hello:v3-abc", null)]
    public void A_tag_names_its_deployment_only_for_this_instance_and_app(string tag, string? deployment) =>
        Assert.Equal(deployment, ImageSpec.DeploymentOf(tag, "abc", "hello"));
}
