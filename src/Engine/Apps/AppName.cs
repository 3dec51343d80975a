using System.Text.RegularExpressions;

namespace Engine.Apps;

public static partial class AppName
{
    [GeneratedRegex("^[a-z0-9-]{1,40}$")]
    private static partial Regex Pattern();

    /// <summary>Null when valid, else a message that says what is wrong.</summary>
    public static string? Validate(string? name) =>
        name is not null && Pattern().IsMatch(name)
            ? null
            : $"invalid app name '{name}': use 1 to 40 lowercase letters, digits or '-'";
}

public static partial class EnvKey
{
    /// <summary>Names the engine injects into every container; users cannot set them.</summary>
    public static readonly IReadOnlySet<string> Injected =
        new HashSet<string> { "APP", "CONTAINER", "CONTAINER_VERSION", "DEPLOYMENT_ID", "PORT" };

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex Pattern();

    public static string? Validate(string key) =>
        !Pattern().IsMatch(key) ? $"invalid variable name '{key}': use letters, digits and '_', not starting with a digit"
        : Injected.Contains(key) ? $"'{key}' is injected by the engine and cannot be set"
        : null;
}
