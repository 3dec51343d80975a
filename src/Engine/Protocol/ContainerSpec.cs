
namespace Engine.Protocol;

/// <summary>Everything needed to (re)create one container of an app version. <paramref name="Worker"/>: the address of the
/// worker node that runs it, and <paramref name="WorkerHost"/> where routers reach it (null: placed with no worker
/// named, on the deployment's own worker).</summary>
[Manifest("container-spec.v1")]
public sealed record ContainerSpec(
    string Name,
    string App,
    string DeploymentId,
    string Version,
    string Type,
    int Index,
    string Image,
    string? Command,
    IReadOnlyDictionary<string, string> Env,
    int? Port,
    string? Worker = null,
    string? WorkerHost = null) : IEngineMessage
{
    /// <summary>The CONTAINER value: `web-1`, `worker-1`, `postdeploy-1`.</summary>
    public string Slot => $"{Type}-{Index}";

    /// <summary>Another container of the same release (a scale), with the same app environment.</summary>
    public ContainerSpec Sibling(string type, int index, string? command, int? port) =>
        For(App, DeploymentId, Version, Image, type, index, command,
            Env.Where(kv => kv.Key is not ("APP" or "CONTAINER" or "CONTAINER_VERSION" or "DEPLOYMENT_ID")
                            && !(kv.Key == "PORT" && Port is not null)).ToDictionary(kv => kv.Key, kv => kv.Value), port);

    public static ContainerSpec For(string app, string deploymentId, string version, string image,
        string type, int index, string? command, IReadOnlyDictionary<string, string> appEnv, int? port)
    {
        var env = new Dictionary<string, string>(appEnv)
        {
            ["APP"] = app,
            ["CONTAINER"] = $"{type}-{index}",
            ["CONTAINER_VERSION"] = version,
            ["DEPLOYMENT_ID"] = deploymentId,
        };
        if (port is { } p) env["PORT"] = p.ToString();
        return new ContainerSpec($"{app}-{version}-{type}-{index}", app, deploymentId, version, type, index,
            image, command, env, port);
    }
}

/// <summary>An image built for one deployment. The tag carries the engine instance, so two engines sharing a Docker
/// engine never overwrite each other's images; it is also how the engine finds its images again: labels would cost the
/// legacy builder an extra container step per build.</summary>
[Manifest("image-spec.v1")]
public sealed record ImageSpec(string Tag, string App, string DeploymentId) : IEngineMessage
{
    private const string Repository = "engine-apps";

    public static ImageSpec For(string instanceId, string app, string deploymentId, string version) =>
        new($"{Repository}/{app}:{version}-{instanceId}", app, deploymentId);

    /// <summary>Docker's `reference` filter for this instance's images of the app.</summary>
    public static string ReferenceFilter(string instanceId, string app) => $"{Repository}/{app}:*-{instanceId}";

    /// <summary>The deployment (APP-vN) a tag of this instance was built for; null for any other tag.</summary>
    public static string? DeploymentOf(string tag, string instanceId, string app)
    {
        var prefix = $"{Repository}/{app}:";
        var suffix = $"-{instanceId}";
        if (!tag.StartsWith(prefix, StringComparison.Ordinal) || !tag.EndsWith(suffix, StringComparison.Ordinal)
            || tag.Length <= prefix.Length + suffix.Length) return null;
        return $"{app}-{tag[prefix.Length..^suffix.Length]}";
    }
}

/// <param name="Worker">The node whose Docker engine listed it (set when lists of several workers are merged).</param>
public sealed record ContainerSummary(string Id, string Name, string App, string DeploymentId, string Version,
    string Type, string Slot, string State, int? Port = null, string? Worker = null);

