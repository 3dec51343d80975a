using System.Text.RegularExpressions;

namespace Engine.Protocol;

public sealed class ProcfileException(string message) : Exception(message);

/// <summary>Heroku-style Procfile: `name: command` per line; `postdeploy` is the hook, `web` is routed.</summary>
public static partial class Procfile
{
    public const string Web = "web";
    public const string PostDeploy = "postdeploy";
    /// <summary>The type of `engine run`'s containers: no Procfile entry may take it.</summary>
    public const string OneOff = RunId.Type;

    [GeneratedRegex("^[A-Za-z0-9_-]{1,30}$")]
    private static partial Regex NamePattern();

    public static bool IsValidName(string name) => NamePattern().IsMatch(name);

    /// <summary>No Procfile: the image's own command is `web`.</summary>
    public static IReadOnlyList<ProcessType> Default { get; } = new List<ProcessType> { new(Web, null) };

    public static IReadOnlyList<ProcessType> Parse(string text)
    {
        var result = new List<ProcessType>();
        var seenOn = new Dictionary<string, int>();
        var lines = text.Replace("\r\n", "\n").Replace('\r', '\n').Split('\n'); // CRLF, CR-only and LF files alike
        for (var i = 0; i < lines.Length; i++)
        {
            var lineNo = i + 1;
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#')) continue;
            var colon = line.IndexOf(':');
            if (colon < 0)
                throw new ProcfileException($"Procfile line {lineNo}: expected 'name: command', found no ':' in \"{line}\"");
            var name = line[..colon].Trim();
            var command = line[(colon + 1)..].Trim();
            if (!NamePattern().IsMatch(name))
                throw new ProcfileException($"Procfile line {lineNo}: invalid process name '{name}' (use letters, digits, '-' or '_')");
            if (name == OneOff)
                throw new ProcfileException($"Procfile line {lineNo}: '{OneOff}' is the type of `engine run`'s containers; name the process otherwise");
            if (command.Length == 0)
                throw new ProcfileException($"Procfile line {lineNo}: process '{name}' has an empty command");
            if (seenOn.TryGetValue(name, out var first))
                throw new ProcfileException($"Procfile line {lineNo}: process '{name}' is already defined on line {first}");
            seenOn[name] = lineNo;
            result.Add(new ProcessType(name, command));
        }
        if (result.Count == 0)
            throw new ProcfileException("Procfile defines no process");
        return result;
    }
}
