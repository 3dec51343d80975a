using System.Net.Sockets;
using System.Text;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Engine.Containers;

public sealed class DockerRuntime(string dockerHost, string instanceId) : IContainerRuntime, IDisposable
{
    private readonly DockerClient _client =
        new DockerClientConfiguration(new Uri(dockerHost), defaultTimeout: TimeSpan.FromMinutes(5)).CreateClient();

    public async Task BuildImageAsync(Stream context, ImageSpec image, Action<string> output, CancellationToken ct)
    {
        var tag = image.Tag;
        string? error = null;
        // Progress<T> would post to the thread pool and could report after the call returns; report inline instead.
        var progress = new InlineProgress(m =>
        {
            if (!string.IsNullOrEmpty(m.Stream)) foreach (var l in SplitLines(m.Stream)) output(l);
            if (m.Error is { Message: { Length: > 0 } msg }) error = msg;
            else if (!string.IsNullOrEmpty(m.ErrorMessage)) error = m.ErrorMessage;
        });
        await Call("build the image", () => _client.Images.BuildImageFromDockerfileAsync(
            new ImageBuildParameters
            {
                Tags = [tag], Remove = true, ForceRemove = true,
                Labels = new Dictionary<string, string>
                {
                    [ContainerLabels.Instance] = instanceId,
                    [ContainerLabels.App] = image.App,
                    [ContainerLabels.Deployment] = image.DeploymentId,
                },
            },
            context, null, null, progress, ct));
        var built = await Call("inspect the built image", async () =>
        {
            try { return await _client.Images.InspectImageAsync(tag, ct); }
            catch (DockerImageNotFoundException) { return null; }
        });
        if (error is not null || built is null)
            throw new ContainerRuntimeException($"docker build failed: {error ?? "no image was produced"}");
    }

    private sealed class InlineProgress(Action<JSONMessage> onMessage) : IProgress<JSONMessage>
    {
        public void Report(JSONMessage value) => onMessage(value);
    }

    public async Task<string> RunAsync(ContainerSpec spec, bool restartAlways, CancellationToken ct)
    {
        var parameters = new CreateContainerParameters
        {
            Name = NameOf(spec),
            Image = spec.Image,
            Env = spec.Env.Select(kv => $"{kv.Key}={kv.Value}").ToList(),
            Labels = new Dictionary<string, string>
            {
                [ContainerLabels.Instance] = instanceId,
                [ContainerLabels.App] = spec.App,
                [ContainerLabels.Deployment] = spec.DeploymentId,
                [ContainerLabels.Version] = spec.Version,
                [ContainerLabels.Type] = spec.Type,
                [ContainerLabels.Slot] = spec.Slot,
            },
            HostConfig = new HostConfig
            {
                NetworkMode = "host",
                Init = true, // a real PID 1 forwards SIGTERM, so apps stop within the grace period
                RestartPolicy = new RestartPolicy
                {
                    Name = restartAlways ? RestartPolicyKind.UnlessStopped : RestartPolicyKind.No,
                },
            },
        };
        if (spec.Command is { } command)
        {
            parameters.Entrypoint = ["/bin/sh", "-c"];
            parameters.Cmd = [command];
        }
        return await Call($"start container {NameOf(spec)}", async () =>
        {
            CreateContainerResponse created;
            try { created = await _client.Containers.CreateContainerAsync(parameters, ct); }
            catch (DockerApiException e) when (e.StatusCode == System.Net.HttpStatusCode.Conflict)
            {
                // A leftover of ours with the same name (e.g. after a crash): replace it.
                var stale = (await ListAsync(spec.App, ct)).FirstOrDefault(c => c.Name == NameOf(spec))
                    ?? throw new ContainerRuntimeException($"container name {NameOf(spec)} is taken by a container this engine does not own");
                await StopAndRemoveAsync(stale.Id, TimeSpan.Zero, ct);
                created = await _client.Containers.CreateContainerAsync(parameters, ct);
            }
            await _client.Containers.StartContainerAsync(created.ID, new ContainerStartParameters(), ct);
            return created.ID;
        });
    }

    public Task<ContainerState?> InspectAsync(string id, CancellationToken ct) =>
        Call("inspect a container", async () =>
        {
            try
            {
                var c = await _client.Containers.InspectContainerAsync(id, ct);
                return (ContainerState?)new ContainerState(c.State.Running, c.State.Restarting, c.State.ExitCode,
                    c.RestartCount, c.State.Status);
            }
            catch (DockerContainerNotFoundException) { return null; }
        });

    public Task<long> WaitAsync(string id, CancellationToken ct) =>
        Call("wait for a container", async () => (await _client.Containers.WaitContainerAsync(id, ct)).StatusCode);

    public async Task StreamLogsAsync(string id, Action<string> line, CancellationToken ct)
    {
        using var stream = await Call("read container logs", () => _client.Containers.GetContainerLogsAsync(id, false,
            new ContainerLogsParameters { ShowStdout = true, ShowStderr = true, Follow = true }, ct));
        var buffer = new byte[8192];
        var pending = new StringBuilder();
        var decoder = Encoding.UTF8.GetDecoder();
        var chars = new char[Encoding.UTF8.GetMaxCharCount(buffer.Length)];
        while (true)
        {
            var read = await stream.ReadOutputAsync(buffer, 0, buffer.Length, ct);
            if (read.EOF) break;
            var n = decoder.GetChars(buffer, 0, read.Count, chars, 0);
            pending.Append(chars, 0, n);
            var text = pending.ToString();
            var last = text.LastIndexOf('\n');
            if (last < 0) continue;
            foreach (var l in SplitLines(text[..last])) line(l);
            pending.Clear().Append(text[(last + 1)..]);
        }
        if (pending.Length > 0) line(pending.ToString());
    }

    public Task<string> TailLogsAsync(string id, int lines, CancellationToken ct) =>
        Call("read container logs", async () =>
        {
            try
            {
                using var stream = await _client.Containers.GetContainerLogsAsync(id, false,
                    new ContainerLogsParameters { ShowStdout = true, ShowStderr = true, Tail = lines.ToString() }, ct);
                var (stdout, stderr) = await stream.ReadOutputToEndAsync(ct);
                return (stdout + stderr).TrimEnd();
            }
            catch (DockerContainerNotFoundException) { return ""; }
        });

    public Task<IReadOnlyList<ContainerSummary>> ListAsync(string? app, CancellationToken ct) =>
        Call("list containers", async () =>
        {
            var labels = new Dictionary<string, bool> { [$"{ContainerLabels.Instance}={instanceId}"] = true };
            if (app is not null) labels[$"{ContainerLabels.App}={app}"] = true;
            var list = await _client.Containers.ListContainersAsync(new ContainersListParameters
            {
                All = true,
                Filters = new Dictionary<string, IDictionary<string, bool>> { ["label"] = labels },
            }, ct);
            return (IReadOnlyList<ContainerSummary>)list.Select(c => new ContainerSummary(
                c.ID, c.Names.FirstOrDefault()?.TrimStart('/') ?? c.ID,
                Label(c, ContainerLabels.App), Label(c, ContainerLabels.Deployment), Label(c, ContainerLabels.Version),
                Label(c, ContainerLabels.Type), Label(c, ContainerLabels.Slot), c.State)).ToList();
        });

    public Task StopAndRemoveAsync(string id, TimeSpan grace, CancellationToken ct) =>
        Call("remove a container", async () =>
        {
            try
            {
                await _client.Containers.StopContainerAsync(id,
                    new ContainerStopParameters { WaitBeforeKillSeconds = (uint)Math.Ceiling(grace.TotalSeconds) }, ct);
                await _client.Containers.RemoveContainerAsync(id, new ContainerRemoveParameters { Force = true }, ct);
            }
            catch (DockerContainerNotFoundException) { }
            catch (DockerApiException e) when (e.StatusCode == System.Net.HttpStatusCode.Conflict) { } // removal already in progress
            return true;
        });

    public Task<IReadOnlyList<ImageSummary>> ListImagesAsync(string app, CancellationToken ct) =>
        Call("list images", async () =>
        {
            var images = await _client.Images.ListImagesAsync(new ImagesListParameters
            {
                Filters = new Dictionary<string, IDictionary<string, bool>>
                {
                    ["label"] = new Dictionary<string, bool>
                    {
                        [$"{ContainerLabels.Instance}={instanceId}"] = true, [$"{ContainerLabels.App}={app}"] = true,
                    },
                },
            }, ct);
            return (IReadOnlyList<ImageSummary>)images.Select(i => new ImageSummary(i.ID,
                (i.RepoTags ?? []).Where(t => t != "<none>:<none>").ToList(),
                i.Labels is not null && i.Labels.TryGetValue(ContainerLabels.Deployment, out var d) ? d : "")).ToList();
        });

    public Task RemoveImageAsync(string reference, CancellationToken ct) =>
        Call($"remove image {reference}", async () =>
        {
            try { await _client.Images.DeleteImageAsync(reference, new ImageDeleteParameters { Force = false }, ct); }
            catch (DockerImageNotFoundException) { }
        });

    /// <summary>Docker names are global to the Docker engine: the instance id keeps two engines' names apart.</summary>
    private string NameOf(ContainerSpec spec) => $"{spec.Name}-{instanceId}";

    private static string Label(ContainerListResponse c, string key) =>
        c.Labels is not null && c.Labels.TryGetValue(key, out var v) ? v : "";

    private static IEnumerable<string> SplitLines(string text) =>
        text.Replace("\r\n", "\n").Split('\n').Where(l => l.Trim().Length > 0);

    /// <summary>Turns transport failures into one clear message naming the Docker host.</summary>
    private async Task<T> Call<T>(string what, Func<Task<T>> action)
    {
        try { return await action(); }
        catch (Exception e) when (e is HttpRequestException or SocketException or IOException or TimeoutException
                                      || e.InnerException is SocketException)
        {
            throw new ContainerRuntimeException($"cannot reach the Docker engine at {dockerHost} to {what}: {e.Message}", e);
        }
        catch (DockerApiException e)
        {
            throw new ContainerRuntimeException($"Docker refused to {what}: {e.ResponseBody?.Trim() ?? e.Message}", e);
        }
    }

    private Task Call(string what, Func<Task> action) => Call(what, async () => { await action(); return true; });

    public void Dispose() => _client.Dispose();
}
