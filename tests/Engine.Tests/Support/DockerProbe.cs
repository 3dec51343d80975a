using Docker.DotNet;
using Docker.DotNet.Models;

namespace Engine.Tests.Support;

public sealed record ProbedContainer(string Name, string Version, string Type, string State);

/// <summary>Looks at the Docker engine directly, independent of the engine under test.</summary>
public static class DockerProbe
{
    public static readonly DockerClient Client = new DockerClientConfiguration(
        new Uri(Environment.GetEnvironmentVariable("DOCKER_HOST") is { Length: > 0 } h ? h : "unix:///var/run/docker.sock"))
        .CreateClient();

    /// <summary>The engine instance id of a node (it suffixes its container names and image tags).</summary>
    public static string InstanceId(this EngineNode node) =>
        File.ReadAllText(Path.Combine(node.DataDir, "instance-id")).Trim();

    /// <summary>The Docker name of a container the node created from a spec named `APP-vN-TYPE-I`.</summary>
    public static string ContainerName(this EngineNode node, string specName) => $"{specName}-{node.InstanceId()}";

    public static async Task<IReadOnlyList<ProbedContainer>> ContainersOf(string app, string? instanceId = null)
    {
        var labels = new Dictionary<string, bool> { [$"engine.app={app}"] = true };
        if (instanceId is not null) labels[$"engine.instance={instanceId}"] = true;
        var list = await Client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = labels },
        });
        return list.Select(c => new ProbedContainer(c.Names[0].TrimStart('/'), c.Labels["engine.version"],
            c.Labels["engine.type"], c.State)).OrderBy(c => c.Name).ToList();
    }

    /// <summary>The app's containers by Docker name, with their ids: a replaced container keeps its name, not its id.</summary>
    public static async Task<IReadOnlyDictionary<string, string>> ContainerIdsOf(string app)
    {
        var list = await Client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"engine.app={app}"] = true } },
        });
        return list.ToDictionary(c => c.Names[0].TrimStart('/'), c => c.ID);
    }

    /// <summary>`docker exec` in the app's container of that slot (web-1); its exit code.</summary>
    public static async Task<int> ExecAsync(string app, string slot, params string[] command)
    {
        var id = (await Client.Containers.ListContainersAsync(new ContainersListParameters
        {
            Filters = new Dictionary<string, IDictionary<string, bool>>
            {
                ["label"] = new Dictionary<string, bool> { [$"engine.app={app}"] = true, [$"engine.container={slot}"] = true },
            },
        })).Single().ID;
        using var exec = System.Diagnostics.Process.Start("docker", ["exec", id, .. command]);
        await exec.WaitForExitAsync();
        return exec.ExitCode;
    }

    /// <summary>A running container that carries the engine's labels but belongs to no deployment the engine knows.</summary>
    public static async Task StartStrayAsync(string instanceId, string app, string deploymentId, string type = "web", int index = 1)
    {
        var created = await Client.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Name = $"{deploymentId}-{type}-{index}-{instanceId}",
            Image = "busybox",
            Cmd = ["sleep", "600"],
            HostConfig = new HostConfig { NetworkMode = "host" }, // like the engine's containers: no bridge needed
            Labels = new Dictionary<string, string>
            {
                ["engine.instance"] = instanceId, ["engine.app"] = app, ["engine.deployment"] = deploymentId,
                ["engine.version"] = "v99", ["engine.type"] = type, ["engine.container"] = $"{type}-{index}",
            },
        });
        await Client.Containers.StartContainerAsync(created.ID, new ContainerStartParameters());
    }

    /// <summary>Tags of the app's images (engine-apps/APP:vN-INSTANCE), of any engine instance.</summary>
    public static async Task<IReadOnlyList<string>> ImageTagsOf(string app)
    {
        var images = await Client.Images.ListImagesAsync(new ImagesListParameters
        {
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["reference"] = new Dictionary<string, bool> { [$"engine-apps/{app}:*"] = true } },
        });
        return images.SelectMany(i => i.RepoTags ?? []).Where(t => t.StartsWith($"engine-apps/{app}:")).Distinct().Order().ToList();
    }

    /// <summary>Removes the app's images (test cleanup); an image still in use stays.</summary>
    public static async Task RemoveImagesOfAsync(string app)
    {
        foreach (var tag in await ImageTagsOf(app))
        {
            try { await Client.Images.DeleteImageAsync(tag, new ImageDeleteParameters()); }
            catch (DockerApiException) { }
        }
    }

    /// <summary>The container's writable layer on the host (overlay2), where a test can pin a file.</summary>
    public static async Task<string> UpperDirOf(string name) =>
        (await Client.Containers.InspectContainerAsync(name)).GraphDriver.Data["UpperDir"];

    /// <summary>The container's log driver and its options, as inspect reports them.</summary>
    public static async Task<LogConfig> LogConfigOf(string name) =>
        (await Client.Containers.InspectContainerAsync(name)).HostConfig.LogConfig;

    /// <summary>The container's state as inspect reports it (the list can lag behind), or null when it is gone.</summary>
    public static async Task<string?> StateOf(string name)
    {
        try { return (await Client.Containers.InspectContainerAsync(name)).State.Status; }
        catch (DockerContainerNotFoundException) { return null; }
    }

    public static Task RemoveAsync(string name) =>
        Client.Containers.RemoveContainerAsync(name, new ContainerRemoveParameters { Force = true });

    public static async Task RemoveAppAsync(string app)
    {
        foreach (var c in await ContainersOf(app))
        {
            try { await RemoveAsync(c.Name); }
            catch (DockerContainerNotFoundException) { }
            catch (DockerApiException e) when (e.StatusCode == System.Net.HttpStatusCode.Conflict) { } // the engine removes it already
        }
    }
}
