using Engine.Tests.Support;
using Engine.Protocol;
using static Engine.Tests.Support.Deadlines;

namespace Engine.Tests.Apps;

[Collection(DockerCollection.Name)]
public sealed class ImagePruningTests(SharedNode shared)
{
    private readonly EngineNode _node = shared.Node;

    [Fact]
    public async Task A_failed_deployments_image_goes_and_only_the_last_five_successful_releases_keep_theirs()
    {
        var app = _node.NewApp("prune");
        var instance = _node.InstanceId();
        string Tag(int v) => ImageSpec.For(instance, app, $"{app}-v{v}", $"v{v}").Tag;
        using var good = new AppDir();
        using var failing = AppDir.WithHook("exit 1");
        try
        {
            for (var v = 1; v <= 3; v++) await _node.DeployAsync(good, app);
            Assert.Equal("hook-error", (await _node.DeployFailingAsync(failing, app)).Status);
            await Eventually.Until(() => DockerProbe.ImageTagsOf(app), tags => !tags.Contains(Tag(4)), Within, "v4's image to go");
            for (var v = 5; v <= 8; v++) await _node.DeployAsync(good, app);

            string[] expected = [Tag(3), Tag(5), Tag(6), Tag(7), Tag(8)];
            var left = await Eventually.Until(() => DockerProbe.ImageTagsOf(app), tags => tags.Count <= 5, Within, "old images to go");
            Assert.Equal(expected.Order(), left);
        }
        finally
        {
            await DockerProbe.RemoveAppAsync(app);
            await DockerProbe.RemoveImagesOfAsync(app);
        }
    }

    [Fact]
    public async Task A_node_keeps_the_images_of_as_many_releases_as_it_is_told_and_rotates_its_containers_logs_as_told()
    {
        await using var node = await EngineNode.StartWithEnvironmentAsync(new Dictionary<string, string>
        {
            ["Engine__KeepReleases"] = "2", ["Engine__ContainerLogMaxSize"] = "1048576", ["Engine__ContainerLogFiles"] = "2",
        });
        var app = node.NewApp("keep");
        var instance = node.InstanceId();
        string Tag(int v) => ImageSpec.For(instance, app, $"{app}-v{v}", $"v{v}").Tag;
        using var good = new AppDir();
        try
        {
            for (var v = 1; v <= 3; v++) await node.DeployAsync(good, app);
            var left = await Eventually.Until(() => DockerProbe.ImageTagsOf(app), tags => tags.Count <= 2, Within, "v1's image to go");
            Assert.Equal([Tag(2), Tag(3)], left.Order());

            var web = (await DockerProbe.ContainersOf(app, instance)).Single(c => c.Version == "v3").Name;
            var log = await DockerProbe.LogConfigOf(web);
            Assert.Equal("json-file", log.Type);
            Assert.Equal("1048576", log.Config["max-size"]);
            Assert.Equal("2", log.Config["max-file"]);
        }
        finally
        {
            await DockerProbe.RemoveAppAsync(app);
            await DockerProbe.RemoveImagesOfAsync(app);
        }
    }
}
