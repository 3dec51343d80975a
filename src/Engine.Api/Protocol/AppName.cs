using System.Text;
using System.Text.RegularExpressions;

namespace Engine.Protocol;

public static partial class AppName
{
    public const int MaxLength = 40;

    /// <summary>Null when valid, else a message that says what is wrong. A name is also a DNS label, a Docker image
    /// name and an actor name, so it must fit all three.</summary>
    public static string? Validate(string? name)
    {
        string Invalid(string why) => $"invalid app name '{Shown.Of(name ?? "")}': {why}";
        if (string.IsNullOrEmpty(name)) return Invalid($"use 1 to {MaxLength} lowercase letters, digits or '-'");
        if (name.Length > MaxLength) return Invalid($"it has {name.Length} characters, the limit is {MaxLength}");
        if (name.Where(c => c is not (>= 'a' and <= 'z' or >= '0' and <= '9' or '-')).Select(c => (char?)c).FirstOrDefault() is { } bad)
            return Invalid($"'{Shown.Of(bad.ToString())}' is not allowed; use lowercase letters, digits or '-'");
        if (name.StartsWith('-') || name.EndsWith('-'))
            return Invalid("it must start and end with a letter or digit (it becomes a DNS label and a Docker image name)");
        return null;
    }
}

public static partial class EnvKey
{
    /// <summary>Linux refuses a single `KEY=VALUE` string over 128 KiB (MAX_ARG_STRLEN, NUL included).</summary>
    public const int MaxVariableBytes = 128 * 1024;

    /// <summary>Every variable together; the environment is copied into every deployment event.</summary>
    public const int MaxTotalBytes = 1024 * 1024;

    /// <summary>Names the engine injects into every container; users cannot set them.</summary>
    public static readonly IReadOnlySet<string> Injected =
        new HashSet<string> { "APP", "CONTAINER", "CONTAINER_VERSION", "DEPLOYMENT_ID", "PORT" };

    // \z, not $: $ also matches before a final newline.
    [GeneratedRegex(@"\A[A-Za-z_][A-Za-z0-9_]*\z")]
    private static partial Regex Pattern();

    public static string? Validate(string key) =>
        !Pattern().IsMatch(key) ? $"invalid variable name '{Shown.Of(key)}': use letters, digits and '_', not starting with a digit"
        : Injected.Contains(key) ? $"'{key}' is injected by the engine and cannot be set"
        : null;

    /// <summary>Null when a container can receive KEY=VALUE, else why not.</summary>
    public static string? ValidateValue(string key, string? value) =>
        value is null ? $"the value of '{key}' is null; unset a variable to remove it"
        : value.Contains('\0') ? $"the value of '{key}' contains a NUL byte, which no process environment can hold"
        : Bytes(key, value) > MaxVariableBytes
            ? $"'{key}' is {Bytes(key, value)} bytes as KEY=VALUE, over the {MaxVariableBytes} bytes a container can receive per variable"
        : null;

    /// <summary>Size of KEY=VALUE plus its terminating NUL, as the kernel counts it.</summary>
    public static int Bytes(string key, string value) => Encoding.UTF8.GetByteCount(key) + 1 + Encoding.UTF8.GetByteCount(value) + 1;
}

/// <summary>Control characters made visible in messages: a name with a newline must not break the line it is shown on.</summary>
internal static class Shown
{
    public static string Of(string text)
    {
        if (!text.Any(char.IsControl)) return text;
        var b = new StringBuilder();
        foreach (var c in text)
            b.Append(c switch { '\n' => "\\n", '\r' => "\\r", '\t' => "\\t", _ when char.IsControl(c) => $"\\u{(int)c:x4}", _ => c.ToString() });
        return b.ToString();
    }
}

public static class DeploymentId
{
    public static string For(string app, int version) => $"{app}-v{version}";

    /// <summary>Splits a deployment id back into app and version; null when it is not one.</summary>
    public static (string App, int Version)? Parse(string id)
    {
        var at = id.LastIndexOf("-v", StringComparison.Ordinal);
        return at > 0 && int.TryParse(id[(at + 2)..], out var v) && v > 0 && For(id[..at], v) == id
            ? (id[..at], v)
            : null;
    }

    /// <summary>Null when the id reads as APP-vN with a valid app name, else a message.</summary>
    public static string? Validate(string id) =>
        Parse(id) is { } parsed && AppName.Validate(parsed.App) is null
            ? null
            : $"invalid deployment id '{Shown.Of(id)}': expected APP-vN, e.g. hello-v3";
}
