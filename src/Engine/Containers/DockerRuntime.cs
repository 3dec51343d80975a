using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Docker.DotNet;
using Docker.DotNet.Models;
using Engine.Protocol;
using ContainerSpec = Engine.Protocol.ContainerSpec;

namespace Engine.Containers;

/// <param name="callTimeout">How long a control call (inspect, list, create, start, remove) may take; builds, waits
/// and followed logs are bounded by their caller's token instead.</param>
/// <param name="logs">How every container's log rotates (default <see cref="ContainerLogs.Default"/>).</param>
public sealed class DockerRuntime(string dockerHost, string instanceId, TimeSpan callTimeout, ContainerLogs? logs = null)
    : IContainerRuntime, IDisposable
{
    private readonly DockerClient _client =
        new DockerClientConfiguration(new Uri(dockerHost), defaultTimeout: TimeSpan.FromMinutes(5)).CreateClient();

    public DockerRuntime(string dockerHost, string instanceId) : this(dockerHost, instanceId, TimeSpan.FromSeconds(30)) { }

    public async Task<string> BuildImageAsync(Stream context, ImageSpec image, Action<string> output, CancellationToken ct)
    {
        var tag = image.Tag;
        string? error = null;
        // Progress<T> would post to the thread pool and could report after the call returns; report inline instead.
        var progress = new InlineProgress<JSONMessage>(m =>
        {
            if (!string.IsNullOrEmpty(m.Stream)) foreach (var l in SplitLines(m.Stream)) output(l);
            if (m.Error is { Message: { Length: > 0 } msg }) error = msg;
            else if (!string.IsNullOrEmpty(m.ErrorMessage)) error = m.ErrorMessage;
        });
        await Call("build the image", ct, Timeout.InfiniteTimeSpan, t => _client.Images.BuildImageFromDockerfileAsync(
            // No labels: the legacy builder would run one more container step for them; the tag finds the image.
            new ImageBuildParameters { Tags = [tag], Remove = true, ForceRemove = true },
            context, null, null, progress, t));
        var built = await Call("inspect the built image", ct, async t =>
        {
            try { return await _client.Images.InspectImageAsync(tag, t); }
            catch (DockerImageNotFoundException) { return null; }
        });
        if (error is not null || built is null)
            throw new ContainerRuntimeException($"docker build failed: {error ?? "no image was produced"}");
        return built.ID;
    }

    public async Task PushImageAsync(string local, string remote, Action<string> output, CancellationToken ct)
    {
        var (repository, tag) = SplitReference(remote);
        await Call($"tag {local} as {remote}", ct, t => _client.Images.TagImageAsync(local,
            new ImageTagParameters { RepositoryName = repository, Tag = tag, Force = true }, t));
        try
        {
            await Transfer($"push {remote}", ct, (progress, t) => _client.Images.PushImageAsync(remote,
                new ImagePushParameters { Tag = tag }, new AuthConfig(), progress, t), output);
        }
        finally
        {
            await RemoveImageAsync(remote, CancellationToken.None);
        }
    }

    public async Task PullImageAsync(string remote, string local, Action<string> output, CancellationToken ct)
    {
        var (repository, tag) = SplitReference(remote);
        await Transfer($"pull {remote}", ct, (progress, t) => _client.Images.CreateImageAsync(
            new ImagesCreateParameters { FromImage = repository, Tag = tag }, new AuthConfig(), progress, t), output);
        var (localRepository, localTag) = SplitReference(local);
        await Call($"tag {remote} as {local}", ct, t => _client.Images.TagImageAsync(remote,
            new ImageTagParameters { RepositoryName = localRepository, Tag = localTag, Force = true }, t));
        await RemoveImageAsync(remote, ct);
    }

    /// <summary>A push or pull: Docker reports its errors in the progress stream, not as a failed call.</summary>
    private async Task Transfer(string what, CancellationToken ct, Func<IProgress<JSONMessage>, CancellationToken, Task> call,
        Action<string> output)
    {
        string? error = null;
        var progress = new InlineProgress<JSONMessage>(m =>
        {
            if (m.Error is { Message: { Length: > 0 } msg }) error = msg;
            else if (!string.IsNullOrEmpty(m.ErrorMessage)) error = m.ErrorMessage;
            // Layer progress bars would flood the log; statuses without an id say what happened.
            else if (string.IsNullOrEmpty(m.ID) && !string.IsNullOrEmpty(m.Status)) output(m.Status);
        });
        try { await Call(what, ct, Timeout.InfiniteTimeSpan, t => call(progress, t)); }
        catch (DockerApiException e) { error ??= e.ResponseBody is { Length: > 0 } body ? body.Trim() : e.Message; }
        if (error is not null) throw new ContainerRuntimeException($"docker could not {what}: {error}");
    }

    /// <summary>`HOST:PORT/REPO:TAG` into repository and tag (the port's colon comes before the last slash).</summary>
    private static (string Repository, string Tag) SplitReference(string reference)
    {
        var colon = reference.LastIndexOf(':');
        return colon > reference.LastIndexOf('/') ? (reference[..colon], reference[(colon + 1)..]) : (reference, "latest");
    }

    private sealed class InlineProgress<T>(Action<T> onMessage) : IProgress<T>
    {
        public void Report(T value) => onMessage(value);
    }

    public async Task<string> RunAsync(ContainerSpec spec, bool restartAlways, CancellationToken ct)
    {
        var id = await CreateAsync(spec, restartAlways, null, ct);
        await StartExistingAsync(id, ct);
        return id;
    }

    public async Task<string> CreateAsync(ContainerSpec spec, bool restartAlways, Terminal? terminal, CancellationToken ct)
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
                LogConfig = (logs ?? ContainerLogs.Default).Config,
                Init = true, // a real PID 1 forwards SIGTERM, so apps stop within the grace period
                RestartPolicy = new RestartPolicy
                {
                    Name = restartAlways ? RestartPolicyKind.UnlessStopped : RestartPolicyKind.No,
                },
            },
        };
        if (spec.Port is { } port) parameters.Labels[ContainerLabels.Port] = port.ToString();
        if (terminal is not null)
        {
            (parameters.Tty, parameters.OpenStdin, parameters.StdinOnce) = (terminal.Tty, true, true);
            (parameters.AttachStdin, parameters.AttachStdout, parameters.AttachStderr) = (true, true, true);
        }
        if (spec.Command is { } command)
        {
            parameters.Entrypoint = ["/bin/sh", "-c"];
            parameters.Cmd = [command];
        }
        // Create, maybe replacing a stale one: each step may take a control call's time.
        return await Call($"create container {NameOf(spec)}", ct, callTimeout * 3, async ct =>
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
            return created.ID;
        });
    }

    public Task<ContainerState?> InspectAsync(string id, CancellationToken ct) =>
        Call("inspect a container", ct, async ct =>
        {
            try
            {
                var c = await _client.Containers.InspectContainerAsync(id, ct);
                return (ContainerState?)new ContainerState(c.State.Running, c.State.Restarting, c.State.ExitCode,
                    c.RestartCount, c.State.Status, c.State.Health?.Status is { Length: > 0 } health && health != "none" ? health : null,
                    c.State.Health?.Log?.LastOrDefault()?.Output?.Trim());
            }
            catch (DockerContainerNotFoundException) { return null; }
        });

    public Task<long> WaitAsync(string id, CancellationToken ct) =>
        Call("wait for a container", ct, Timeout.InfiniteTimeSpan,
            async ct => (await _client.Containers.WaitContainerAsync(id, ct)).StatusCode);

    public async Task StreamLogsAsync(string id, Action<string> line, CancellationToken ct)
    {
        using var stream = await Call("read container logs", ct, Timeout.InfiniteTimeSpan, ct => _client.Containers.GetContainerLogsAsync(id, false,
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

    public async Task ReadLogsAsync(string id, LogQuery query, Action<ContainerLogLine> line, CancellationToken ct)
    {
        MultiplexedStream stream;
        try
        {
            stream = await Call("read container logs", ct, query.Follow ? Timeout.InfiniteTimeSpan : TimeSpan.FromSeconds(30),
                ct => _client.Containers.GetContainerLogsAsync(id, false, new ContainerLogsParameters
                {
                    ShowStdout = true, ShowStderr = true, Follow = query.Follow, Timestamps = true,
                    Tail = query.Tail?.ToString(CultureInfo.InvariantCulture) ?? "all",
                    Since = query.Since is { } since ? (since.ToUnixTimeMilliseconds() / 1000.0).ToString("0.000", CultureInfo.InvariantCulture) : null,
                }, ct));
        }
        catch (ContainerRuntimeException e) when (e.InnerException is DockerContainerNotFoundException) { return; }
        using (stream)
        {
            var buffer = new byte[8192];
            // Per stream: a line may come in pieces, and stdout's and stderr's pieces interleave.
            var pending = new[] { new StringBuilder(), new StringBuilder() };
            var decoders = new[] { Encoding.UTF8.GetDecoder(), Encoding.UTF8.GetDecoder() };
            var chars = new char[Encoding.UTF8.GetMaxCharCount(buffer.Length)];
            void Emit(string raw, bool stderr)
            {
                var space = raw.IndexOf(' ');
                if (space > 0 && DockerTime(raw[..space]) is { } at) line(new ContainerLogLine(at, stderr, raw[(space + 1)..].TrimEnd('\r')));
            }
            while (true)
            {
                var read = await stream.ReadOutputAsync(buffer, 0, buffer.Length, ct);
                if (read.EOF) break;
                var err = read.Target == MultiplexedStream.TargetStream.StandardError ? 1 : 0;
                pending[err].Append(chars, 0, decoders[err].GetChars(buffer, 0, read.Count, chars, 0));
                var text = pending[err].ToString();
                var last = text.LastIndexOf('\n');
                if (last < 0) continue;
                foreach (var l in text[..last].Split('\n')) Emit(l, err == 1);
                pending[err].Clear().Append(text[(last + 1)..]);
            }
            for (var i = 0; i < 2; i++)
                if (pending[i].Length > 0) Emit(pending[i].ToString(), i == 1);
        }
    }

    /// <summary>Docker's RFC 3339 time with nanoseconds (.NET reads seven fractional digits).</summary>
    private static DateTimeOffset? DockerTime(string text)
    {
        var dot = text.IndexOf('.');
        var trimmed = dot > 0 && text.Length - dot - 2 > 7 ? text[..(dot + 8)] + "Z" : text;
        return DateTimeOffset.TryParse(trimmed, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : null;
    }

    public Task<string> TailLogsAsync(string id, int lines, CancellationToken ct) =>
        Call("read container logs", ct, async ct =>
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
        Call("list containers", ct, async ct =>
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
                Label(c, ContainerLabels.Type), Label(c, ContainerLabels.Slot), c.State,
                int.TryParse(Label(c, ContainerLabels.Port), out var port) ? port : null)).ToList();
        });

    public Task StopAndRemoveAsync(string id, TimeSpan grace, CancellationToken ct) =>
        Call("remove a container", ct, grace + callTimeout * 2, async ct =>
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
        Call("list images", ct, async ct =>
        {
            var images = await _client.Images.ListImagesAsync(new ImagesListParameters
            {
                Filters = new Dictionary<string, IDictionary<string, bool>>
                {
                    ["reference"] = new Dictionary<string, bool> { [ImageSpec.ReferenceFilter(instanceId, app)] = true },
                },
            }, ct);
            // One image per tag of ours: an image tagged for two deployments is listed under each.
            return (IReadOnlyList<ImageSummary>)images
                .SelectMany(i => (i.RepoTags ?? []).Select(t => (i.ID, Tag: t, Deployment: ImageSpec.DeploymentOf(t, instanceId, app))))
                .Where(t => t.Deployment is not null)
                .Select(t => new ImageSummary(t.ID, [t.Tag], t.Deployment!)).ToList();
        });

    public Task<string?> ImageIdAsync(string reference, CancellationToken ct) =>
        Call($"inspect image {reference}", ct, async ct =>
        {
            try { return (string?)(await _client.Images.InspectImageAsync(reference, ct)).ID; }
            catch (DockerImageNotFoundException) { return null; }
        });

    public Task RemoveImageAsync(string reference, CancellationToken ct) =>
        Call($"remove image {reference}", ct, async ct =>
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

    public event Action<string>? Unanswered;

    public Task StartExistingAsync(string id, CancellationToken ct) =>
        Call("start a container", ct, ct => _client.Containers.StartContainerAsync(id, new ContainerStartParameters(), ct));

    public async Task<IContainerStream> AttachAsync(string id, bool tty, CancellationToken ct) =>
        new AttachedStream(await Call("attach to a container", ct, ct => _client.Containers.AttachContainerAsync(id, tty,
            new ContainerAttachParameters { Stream = true, Stdin = true, Stdout = true, Stderr = true }, ct)));

    public Task ResizeAsync(string id, int width, int height, CancellationToken ct) =>
        Call("resize a container's terminal", ct, ct => _client.Containers.ResizeContainerTtyAsync(id,
            new ContainerResizeParameters { Width = width, Height = height }, ct));

    public Task SignalAsync(string id, string signal, CancellationToken ct) =>
        Call($"send {signal} to a container", ct, async ct =>
        {
            try { await _client.Containers.KillContainerAsync(id, new ContainerKillParameters { Signal = signal }, ct); }
            catch (DockerContainerNotFoundException) { }
            catch (DockerApiException e) when (e.StatusCode == System.Net.HttpStatusCode.Conflict) { } // not running any more
        });

    private sealed class AttachedStream(MultiplexedStream stream) : IContainerStream
    {
        public async Task<(int Count, bool Stderr)> ReadAsync(byte[] buffer, CancellationToken ct)
        {
            var read = await stream.ReadOutputAsync(buffer, 0, buffer.Length, ct);
            return (read.EOF ? 0 : read.Count, read.Target == MultiplexedStream.TargetStream.StandardError);
        }

        public Task WriteAsync(byte[] data, CancellationToken ct) => stream.WriteAsync(data, 0, data.Length, ct);

        public void CloseInput() => stream.CloseWrite();

        public void Dispose() => stream.Dispose();
    }

    public Task PingAsync(CancellationToken ct) => Call("answer a ping", ct, ct => _client.System.PingAsync(ct));

    public Task WatchAsync(Action<ContainerEvent> onEvent, CancellationToken ct, string action = "die", string? app = null) =>
        Call("stream its events", ct, Timeout.InfiniteTimeSpan, ct => _client.System.MonitorEventsAsync(
            new ContainerEventsParameters
            {
                Filters = new Dictionary<string, IDictionary<string, bool>>
                {
                    ["type"] = new Dictionary<string, bool> { ["container"] = true },
                    ["event"] = new Dictionary<string, bool> { [action] = true },
                    ["label"] = app is null
                        ? new Dictionary<string, bool> { [$"{ContainerLabels.Instance}={instanceId}"] = true }
                        : new Dictionary<string, bool> { [$"{ContainerLabels.Instance}={instanceId}"] = true, [$"{ContainerLabels.App}={app}"] = true },
                },
            },
            new InlineProgress<Message>(m =>
            {
                var a = m.Actor?.Attributes ?? new Dictionary<string, string>();
                string Attr(string k) => a.TryGetValue(k, out var v) ? v : "";
                onEvent(new ContainerEvent(m.Action, m.Actor?.ID ?? m.ID, Attr(ContainerLabels.App),
                    Attr(ContainerLabels.Deployment), Attr(ContainerLabels.Slot),
                    long.TryParse(Attr("exitCode"), out var code) ? code : null));
            }), ct));

    /// <summary>Gives every call a deadline (unless <paramref name="timeout"/> is infinite: then only the caller's token
    /// bounds it) and turns failures into one clear message naming the Docker host.</summary>
    private async Task<T> Call<T>(string what, CancellationToken ct, TimeSpan timeout, Func<CancellationToken, Task<T>> action)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (timeout != Timeout.InfiniteTimeSpan) deadline.CancelAfter(timeout);
        try { return await action(deadline.Token); }
        catch (OperationCanceledException e) when (deadline.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            Unanswered?.Invoke($"no answer within {timeout.TotalSeconds:0.#} s to {what}");
            throw new ContainerRuntimeException(
                $"the Docker engine at {dockerHost} did not answer within {timeout.TotalSeconds:0.#} s (trying to {what})", e);
        }
        catch (Exception e) when (e is HttpRequestException or SocketException or IOException or TimeoutException
                                      || e.InnerException is SocketException)
        {
            Unanswered?.Invoke($"cannot reach it to {what}");
            throw new ContainerRuntimeException($"cannot reach the Docker engine at {dockerHost} to {what}: {e.Message}", e);
        }
        catch (DockerApiException e)
        {
            var body = e.ResponseBody?.Trim();
            throw new ContainerRuntimeException(
                $"the Docker engine at {dockerHost} refused to {what}: {(string.IsNullOrEmpty(body) ? e.Message : body)}", e);
        }
    }

    private Task<T> Call<T>(string what, CancellationToken ct, Func<CancellationToken, Task<T>> action) =>
        Call(what, ct, callTimeout, action);

    private Task Call(string what, CancellationToken ct, Func<CancellationToken, Task> action) =>
        Call(what, ct, callTimeout, action);

    private Task Call(string what, CancellationToken ct, TimeSpan timeout, Func<CancellationToken, Task> action) =>
        Call(what, ct, timeout, async t => { await action(t); return true; });

    public void Dispose() => _client.Dispose();
}
