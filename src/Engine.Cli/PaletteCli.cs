using System.CommandLine;
using System.Text;
using System.Text.Json;
using Engine.Api;
using Spectre.Console;

namespace Engine.Cli;

/// <summary>Palette commands built from their description (<see cref="PaletteCatalog"/>, or a node's own for the commands
/// this CLI does not know), run against the admin API and shown as the description says.</summary>
public static class PaletteCli
{
    /// <summary>Adds every palette's commands to the root, under the commands it already has: a command the CLI already
    /// defines (`cluster show`, `deployments APP`) keeps its own output.</summary>
    public static void AddTo(RootCommand root, IReadOnlyList<Palette> palettes)
    {
        foreach (var palette in palettes)
        {
            var group = root.Subcommands.FirstOrDefault(c => c.Name == palette.Name);
            if (group is null) root.Add(group = new Command(palette.Name, palette.Description));
            foreach (var command in palette.Commands)
            {
                if (command.Name.Length == 0)
                {
                    if (group.Action is null) Define(group, command);
                }
                else if (group.Subcommands.All(c => c.Name != command.Name)) group.Add(Define(new Command(command.Name, command.Description), command));
            }
        }
    }

    /// <summary>Gives <paramref name="cmd"/> the described arguments and switches, --json, --csv for tables, --server and
    /// --token, and the action that runs it.</summary>
    public static Command Define(Command cmd, PaletteCommand described)
    {
        var args = described.Arguments.Select(a => new Argument<string>(a.Name)
        {
            Description = a.Description,
            Arity = a.Required ? ArgumentArity.ExactlyOne : ArgumentArity.ZeroOrOne,
        }).ToList();
        var options = described.Options.Select(o => (Option)(o.Flag
            ? new Option<bool>("--" + o.Name) { Description = o.Description }
            : new Option<string>("--" + o.Name) { Description = o.Description })).ToList();
        var json = CliApp.JsonOption();
        var csv = new Option<bool>("--csv") { Description = "Print the rows as CSV" };
        var server = CliApp.ServerOption();
        var token = CliApp.TokenOption();
        foreach (var a in args) cmd.Add(a);
        foreach (var o in options) cmd.Add(o);
        cmd.Add(json);
        if (described.Output == PaletteOutput.Table) cmd.Add(csv);
        cmd.Add(server);
        cmd.Add(token);
        cmd.SetAction((parse, ct) => CliApp.Guard(async () =>
        {
            var path = described.Path;
            var query = new List<string>();
            foreach (var (arg, about) in args.Zip(described.Arguments))
            {
                if (parse.GetValue(arg) is not { } value) continue;
                var slot = "{" + about.Name + "}";
                if (path.Contains(slot)) path = path.Replace(slot, EngineClient.Segment(value));
                else query.Add($"{about.Name}={Uri.EscapeDataString(value)}");
            }
            foreach (var (option, about) in options.Zip(described.Options))
            {
                var value = option is Option<bool> flag ? (parse.GetValue(flag) ? "true" : null) : parse.GetValue((Option<string>)option);
                if (value is not null) query.Add($"{about.Name}={Uri.EscapeDataString(value)}");
            }
            if (query.Count > 0) path += "?" + string.Join("&", query);
            using var client = CliApp.Connect(parse, server, token);
            var method = new HttpMethod(described.Method);
            if (described.Output is PaletteOutput.Text or PaletteOutput.Lines)
                return await Stream(client, method, path, described, parse.GetValue(json), ct);
            var result = await client.SendJsonAsync(method, path);
            if (parse.GetValue(json)) CliApp.Print(result);
            else Show(result, described, parse.GetValue(csv));
            return result.ValueKind == JsonValueKind.Object && result.TryGetProperty("failed", out var failed)
                   && failed.ValueKind == JsonValueKind.True ? 1 : 0;
        }));
        return cmd;
    }

    private static async Task<int> Stream(EngineClient client, HttpMethod method, string path, PaletteCommand described, bool json,
        CancellationToken ct)
    {
        var text = new StringBuilder();
        var header = false;
        try
        {
            await client.StreamLinesAsync(method, path, line =>
            {
                if (described.Output == PaletteOutput.Text)
                {
                    if (json) text.Append(line).Append('\n');
                    else Console.Out.Write(line + "\n");
                    return;
                }
                if (json) { Console.Out.WriteLine(line); return; }
                var row = JsonDocument.Parse(line).RootElement;
                var columns = described.Columns ?? [.. row.EnumerateObject().Select(p => p.Name)];
                if (!header) Console.Out.WriteLine(string.Join("  ", columns.Select(c => c.ToUpperInvariant())));
                header = true;
                Console.Out.WriteLine(string.Join("  ", columns.Select(c => Cell(row, c))));
            }, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested) { } // Ctrl-C ends a stream: that is its normal end
        if (json && described.Output == PaletteOutput.Text)
            CliApp.Print(JsonSerializer.SerializeToElement(new Dictionary<string, string> { ["text"] = text.ToString() }, ApiJsonContext.Default.DictionaryStringString));
        return 0;
    }

    /// <summary>Human output: a table of the described columns when it is a terminal, plain when it is not.</summary>
    private static void Show(JsonElement result, PaletteCommand described, bool csv)
    {
        var rows = described.Rows is { } property && result.ValueKind == JsonValueKind.Object && result.TryGetProperty(property, out var r)
            ? r : result;
        switch (described.Output)
        {
            case PaletteOutput.Pairs:
                foreach (var p in rows.EnumerateObject()) Console.WriteLine($"{p.Name}={Cell(rows, p.Name)}");
                break;
            case PaletteOutput.Tree:
                foreach (var row in rows.EnumerateArray())
                    Console.WriteLine(new string(' ', 2 * row.GetProperty("depth").GetInt32()) + row.GetProperty("name").GetString());
                break;
            case PaletteOutput.Object:
                var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
                foreach (var field in described.Columns ?? [.. rows.EnumerateObject().Select(p => p.Name)])
                    grid.AddRow(new Text(field), new Text(Cell(rows, field)));
                Render(grid);
                break;
            default:
                var columns = described.Columns ?? (rows.ValueKind == JsonValueKind.Array && rows.GetArrayLength() > 0
                    ? [.. rows[0].EnumerateObject().Select(p => p.Name)] : []);
                if (csv)
                {
                    Console.WriteLine(string.Join(",", columns.Select(Csv)));
                    foreach (var row in rows.EnumerateArray()) Console.WriteLine(string.Join(",", columns.Select(c => Csv(Cell(row, c, "")))));
                    break;
                }
                var table = new Table().Border(Console.IsOutputRedirected ? TableBorder.Ascii : TableBorder.Rounded);
                foreach (var c in columns) table.AddColumn(new TableColumn(c.ToUpperInvariant()));
                foreach (var row in rows.EnumerateArray()) table.AddRow(columns.Select(c => (Spectre.Console.Rendering.IRenderable)new Text(Cell(row, c))));
                Render(table);
                break;
        }
        if (result.ValueKind == JsonValueKind.Object && result.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String)
            Console.WriteLine(message.GetString());
    }

    private static string Cell(JsonElement row, string column, string missing = "-") =>
        row.TryGetProperty(column, out var v) ? v.ValueKind switch
        {
            JsonValueKind.Null or JsonValueKind.Undefined => missing,
            JsonValueKind.Array => string.Join(",", v.EnumerateArray().Select(e => e.ToString())),
            JsonValueKind.Object => string.Join(", ", v.EnumerateObject().Select(p => p.Value.ToString())),
            JsonValueKind.True => "yes",
            JsonValueKind.False => "no",
            _ => v.ToString(),
        } : missing;

    private static string Csv(string value) =>
        value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + value.Replace("\"", "\"\"") + "\"" : value;

    /// <summary>Spectre.Console on this process's stdout; wide and plain when it is not a terminal, so that nothing wraps
    /// or is coloured in a pipe.</summary>
    private static void Render(Spectre.Console.Rendering.IRenderable what)
    {
        var redirected = Console.IsOutputRedirected;
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(Console.Out),
            Ansi = redirected ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = redirected ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
        });
        if (redirected) console.Profile.Width = 4096;
        console.Write(what);
    }
}
