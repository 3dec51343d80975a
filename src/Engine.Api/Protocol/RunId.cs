using System.Globalization;

namespace Engine.Protocol;

/// <summary>A one-off run's id, `APP/one-off-N`, as `engine run --detach` prints it and `engine run stop` takes it.</summary>
public static class RunId
{
    /// <summary>The process type of `engine run`'s containers.</summary>
    public const string Type = "one-off";

    public static string Of(string app, int number) => $"{app}/{Type}-{number}";

    /// <summary>Null for anything that is not a valid app name, '/', and one-off-N.</summary>
    public static (string App, int Number)? Parse(string id)
    {
        var slash = id.LastIndexOf('/');
        if (slash <= 0 || AppName.Validate(id[..slash]) is not null || !id[(slash + 1)..].StartsWith(Type + "-", StringComparison.Ordinal)
            || !int.TryParse(id[(slash + 2 + Type.Length)..], NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1)
            return null;
        return (id[..slash], n);
    }
}
