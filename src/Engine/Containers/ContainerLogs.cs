using System.Globalization;
using Docker.DotNet.Models;

namespace Engine.Containers;

/// <summary>The log of every container the engine starts: Docker's json-file driver, rotated, so a chatty app cannot
/// fill the worker's disk. At most <paramref name="Files"/> files of <paramref name="MaxBytes"/> each.</summary>
public sealed record ContainerLogs(long MaxBytes, int Files)
{
    public static readonly ContainerLogs Default = new(10L * 1024 * 1024, 3);

    public LogConfig Config => new()
    {
        Type = "json-file",
        Config = new Dictionary<string, string>
        {
            ["max-size"] = MaxBytes.ToString(CultureInfo.InvariantCulture),
            ["max-file"] = Files.ToString(CultureInfo.InvariantCulture),
        },
    };
}
