using System.Text;
using System.Text.Json;
using Engine.Api;
using Engine.Protocol;

namespace Engine.Cli;

/// <summary>`engine` alone: a prompt against one node, pbm-style. `help` lists the palettes as that node describes them;
/// every line runs as the one-shot command would; Ctrl-C stops the running command, Ctrl-D (end of input) leaves.</summary>
public static class Prompt
{
    private const string Shown = "engine> ";

    /// <summary>The --server and --token given, when the arguments hold nothing else; with <paramref name="anyCommand"/>,
    /// whatever else they hold.</summary>
    public static (string? Server, string? Token)? Connection(string[] args, bool anyCommand = false)
    {
        string? server = null, token = null;
        for (var i = 0; i < args.Length; i++)
        {
            var (name, value) = args[i].Split('=', 2) is [var n, var v] && n.StartsWith("--") ? (n, v)
                : (args[i], i + 1 < args.Length ? args[i + 1] : null);
            if (name is "--server" or "--token" && value is not null)
            {
                if (name == "--server") server = value;
                else token = value;
                if (!args[i].Contains('=')) i++;
            }
            else if (!anyCommand) return null;
        }
        return (server, token);
    }

    /// <returns>The exit code of the last command run (0 if none).</returns>
    /// <param name="hostCommands">The commands of the build that runs the prompt, as in <see cref="CliApp"/>.</param>
    public static async Task<int> RunAsync(string? server, string? token, IReadOnlyList<Func<System.CommandLine.Command>> hostCommands)
    {
        IReadOnlyList<Palette> palettes;
        var address = EngineClient.ResolveServer(server);
        try
        {
            using var client = new EngineClient(address, EngineClient.ResolveToken(token));
            palettes = (await client.GetJsonAsync("api/palettes")).Deserialize(ApiJsonContext.Default.ListPalette) ?? [];
        }
        catch (CliException e) { return CliApp.Fail(e.Message, e.ExitCode); }
        Console.WriteLine($"connected to {address}: 'help' lists the commands, Ctrl-D leaves");
        var history = History.OfUser();
        history.Tidy();
        var last = 0;
        while (true)
        {
            Console.Write(Shown);
            if (Console.ReadLine() is not { } line)
            {
                Console.WriteLine();
                return last;
            }
            if (line.Trim() is not { Length: > 0 } entered) continue;
            history.Add(entered);
            if (entered is "exit" or "quit") return last;
            if (Split(entered) is not { } words)
            {
                last = CliApp.Fail("unbalanced quotes", 2);
                continue;
            }
            switch (words[0])
            {
                case "help":
                    Help(palettes, words.Skip(1).FirstOrDefault());
                    continue;
                case "history":
                    foreach (var (past, n) in history.Lines().TakeLast(100).Select((l, i) => (l, i + 1))) Console.WriteLine($"{n,5}  {past}");
                    continue;
            }
            if (server is not null && !words.Any(w => w.StartsWith("--server"))) words.AddRange(["--server", server]);
            if (token is not null && !words.Any(w => w.StartsWith("--token"))) words.AddRange(["--token", token]);
            using var cancel = new CancellationTokenSource();
            ConsoleCancelEventHandler stop = (_, e) =>
            {
                e.Cancel = true; // the prompt stays; only the command ends
                cancel.Cancel();
            };
            Console.CancelKeyPress += stop;
            try { last = await CliApp.RunAsync([.. words], hostCommands, interactive: false, cancel.Token); }
            finally { Console.CancelKeyPress -= stop; }
        }
    }

    private static void Help(IReadOnlyList<Palette> palettes, string? only)
    {
        var shown = palettes.Where(p => only is null || p.Name == only).ToList();
        if (shown.Count == 0) Console.WriteLine($"no palette '{only}'; palettes: {string.Join(", ", palettes.Select(p => p.Name))}");
        foreach (var palette in shown)
        {
            Console.WriteLine($"{palette.Name}: {palette.Description}");
            foreach (var c in palette.Commands)
            {
                var usage = string.Join(" ", new[] { palette.Name, c.Name }.Where(w => w.Length > 0)
                    .Concat(c.Arguments.Select(a => a.Required ? a.Name.ToUpperInvariant() : $"[{a.Name.ToUpperInvariant()}]"))
                    .Concat(c.Options.Select(o => o.Flag ? $"[--{o.Name}]" : $"[--{o.Name} {o.Name.ToUpperInvariant()}]")));
                Console.WriteLine($"  {usage}\n      {c.Description}");
            }
        }
        if (only is null) Console.WriteLine("also: deploy, env, scale, ps, deployment, history, exit; add --json to any command");
    }

    /// <summary>Words as a shell splits them: blanks separate, quotes group; null when a quote is not closed.</summary>
    public static List<string>? Split(string line)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        char? quote = null;
        var inWord = false;
        foreach (var c in line)
        {
            if (quote is { } q)
            {
                if (c == q) quote = null;
                else word.Append(c);
            }
            else if (c is '"' or '\'') { quote = c; inWord = true; }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord) words.Add(word.ToString());
                word.Clear();
                inWord = false;
            }
            else { word.Append(c); inWord = true; }
        }
        if (quote is not null) return null;
        if (inWord) words.Add(word.ToString());
        return words;
    }
}
