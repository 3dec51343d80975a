using Docker.DotNet;
using Docker.DotNet.Models;

namespace Engine.Tests.Support;

public sealed record ProbedContainer(string Name, string Version, string Type, string State);

/// <summary>Looks at the Docker engine directly, independent of the engine under test.</summary>
public static class DockerProbe
{
    private static readonly DockerClient Client = new DockerClientConfiguration(
        new Uri(Environment.GetEnvironmentVariable("DOCKER_HOST") is { Length: > 0 } h ? h : "unix:///var/run/docker.sock"))
        .CreateClient();

    public static async Task<IReadOnlyList<ProbedContainer>> ContainersOf(string app)
    {
        var list = await Client.Containers.ListContainersAsync(new ContainersListParameters
        {
            All = true,
            Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = new Dictionary<string, bool> { [$"engine.app={app}"] = true } },
        });
        return list.Select(c => new ProbedContainer(c.Names[0].TrimStart('/'), c.Labels["engine.version"],
            c.Labels["engine.type"], c.State)).OrderBy(c => c.Name).ToList();
    }

    /// <summary>A running container that carries the engine's labels but belongs to no deployment the engine knows.</summary>
    public static async Task StartStrayAsync(string instanceId, string app, string deploymentId)
    {
        var created = await Client.Containers.CreateContainerAsync(new CreateContainerParameters
        {
            Name = $"{deploymentId}-web-1",
            Image = "busybox",
            Cmd = ["sleep", "600"],
            HostConfig = new HostConfig { NetworkMode = "host" }, // like the engine's containers: no bridge needed
            Labels = new Dictionary<string, string>
            {
                ["engine.instance"] = instanceId, ["engine.app"] = app, ["engine.deployment"] = deploymentId,
                ["engine.version"] = "v99", ["engine.type"] = "web", ["engine.container"] = "web-1",
            },
        });
        await Client.Containers.StartContainerAsync(created.ID, new ContainerStartParameters());
    }

    public static Task RemoveAsync(string name) =>
        Client.Containers.RemoveContainerAsync(name, new ContainerRemoveParameters { Force = true });

    public static async Task RemoveAppAsync(string app)
    {
        foreach (var c in await ContainersOf(app))
        {
            try { await RemoveAsync(c.Name); } catch (DockerContainerNotFoundException) { }
        }
    }
}
