using System.Text;

namespace Engine.Cli;

/// <summary>The prompt's history (`~/.engine_history`): readable by its owner only (0600), at most <see cref="MaxLines"/>
/// lines, and no secret in it. A line is stored as the words it ran with token and variable values masked
/// (<see cref="Mask"/>); a line over <see cref="MaxLineBytes"/> once masked, or with an open quote, is not stored.</summary>
public sealed class History(string path)
{
    public const int MaxLines = 1000;
    public const int MaxLineBytes = 4096;
    public const string Masked = "***";
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    public static History OfUser() =>
        new(System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".engine_history"));

    /// <summary>The line as stored: `--token T`, `--token=T` and every `KEY=VALUE` argument (env set's variables, or a
    /// command a newer node describes) lose their value; only `scale`'s `TYPE=N` stay, as they are no secret. Null for a
    /// line with an open quote: its words, and so what to mask, are unknown.</summary>
    public static string? Mask(string line)
    {
        if (Prompt.Split(line) is not { } words) return null;
        var scale = words.FirstOrDefault(w => !w.StartsWith('-')) == "scale";
        var stored = new List<string>(words.Count);
        for (var i = 0; i < words.Count; i++)
        {
            var word = words[i];
            var eq = word.IndexOf('=');
            if (word == "--token" && i + 1 < words.Count)
            {
                stored.AddRange([word, Masked]);
                i++;
            }
            else if (word.StartsWith("--token=", StringComparison.Ordinal)) stored.Add("--token=" + Masked);
            else if (eq > 0 && !word.StartsWith('-') && !scale) stored.Add(word[..(eq + 1)] + Masked);
            else stored.Add(word);
        }
        return string.Join(" ", stored.Select(Quote));
    }

    /// <summary>A word as <see cref="Prompt.Split"/> reads it back: quoted when it holds blanks or quotes (a '"' inside
    /// goes between single quotes, as adjacent quoted parts join into one word).</summary>
    private static string Quote(string word) =>
        word.Length > 0 && !word.Any(c => char.IsWhiteSpace(c) || c is '"' or '\'') ? word
        : !word.Contains('"') ? $"\"{word}\""
        : string.Join("'\"'", word.Split('"').Select(part => $"\"{part}\""));

    /// <summary>At the prompt's start: an older history is made 0600, masked and bounded (earlier versions kept every
    /// line as typed, readable by all).</summary>
    public void Tidy()
    {
        if (File.Exists(path)) Write(Lines());
    }

    /// <summary>Kept across sessions; a history that cannot be written is no reason to stop.</summary>
    public void Add(string line)
    {
        if (Mask(line) is { } stored && Encoding.UTF8.GetByteCount(stored) <= MaxLineBytes) Write([.. Lines(), stored]);
    }

    /// <summary>The stored lines, oldest first, as they would be stored now.</summary>
    public IReadOnlyList<string> Lines()
    {
        try
        {
            return [.. File.ReadLines(path).Select(Mask).OfType<string>().Where(l => Encoding.UTF8.GetByteCount(l) <= MaxLineBytes)
                .TakeLast(MaxLines)];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return []; }
    }

    /// <summary>Whole, through a new 0600 file put in its place: never readable by others, not even for a moment.</summary>
    private void Write(IReadOnlyList<string> lines)
    {
        var next = path + ".new";
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = OwnerOnly;
            using (var writer = new StreamWriter(next, new UTF8Encoding(false), options))
                foreach (var line in lines.TakeLast(MaxLines)) writer.Write(line + "\n");
            // A .new file left by an older run kept its mode: Create does not change it.
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(next, OwnerOnly);
            File.Move(next, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
