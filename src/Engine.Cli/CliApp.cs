using System.CommandLine;
using System.CommandLine.Invocation;
using System.Globalization;
using System.Text.Json;
using Engine.Api;
using Engine.Protocol;

namespace Engine.Cli;

/// <summary>`engine serve` runs a node (a command the node's build adds); every other command is a client of a node's
/// admin API.</summary>
public static class CliApp
{
    /// <summary>The client commands alone: the native client (src/Engine.Client).</summary>
    public static Task<int> RunAsync(string[] args) => RunAsync(args, []);

    /// <param name="hostCommands">Commands of the build that runs the CLI, made anew for each parse: the node's `serve`
    /// (src/Engine); none in the native client.</param>
    /// <param name="interactive">False for a line of the prompt: no prompt opens from inside one.</param>
    public static async Task<int> RunAsync(string[] args, IReadOnlyList<Func<Command>> hostCommands, bool interactive = true,
        CancellationToken ct = default)
    {
        // `engine` alone (or with only --server/--token) opens the prompt.
        if (interactive && Prompt.Connection(args) is { } connection)
            return await Prompt.RunAsync(connection.Server, connection.Token, hostCommands);
        // A prompt line is typed text, not a shell's argv: `@PATH` there would read a local file as arguments (and `@`
        // with a NUL byte crashed the prompt), so response files are off.
        var parsing = new ParserConfiguration();
        if (!interactive) parsing.ResponseFileTokenReplacer = null;
        var parsed = Root(PaletteCatalog.All, hostCommands).Parse(args, parsing);
        // A command this CLI does not know may be one a newer node describes.
        if (parsed.Errors.Count > 0 && args.Length > 0 && !args[0].StartsWith('-') && await ServerPalettes(args) is { } served)
        {
            var retried = Root(served, hostCommands).Parse(args, parsing);
            if (retried.Errors.Count == 0) parsed = retried;
        }
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors) Console.Error.WriteLine($"error: {error.Message}");
            Console.Error.WriteLine("run 'engine --help' for usage");
            return 2;
        }
        // SIGTERM is the host's to handle (graceful stop, exit 0); System.CommandLine's own handler raced with it.
        return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }, ct);
    }

    private static RootCommand Root(IReadOnlyList<Palette> palettes, IReadOnlyList<Func<Command>> hostCommands)
    {
        var root = new RootCommand("engine: a self-hosted deployment engine (Dockerfile + Procfile, postdeploy hook, router). "
            + "Without a command: an interactive prompt against the node.");
        foreach (var command in hostCommands) root.Add(command());
        root.Add(Deploy());
        root.Add(Rollback());
        root.Add(Client("releases", "List an app's successful releases, newest first", true, [],
            async (c, app, _) => await c.GetJsonAsync($"api/apps/{EngineClient.Segment(app)}/releases"),
            (json, _) => Table(json, "version", "deployment", "image", "image_id", "at", "by", "postdeploy", "image_present", "routed", "rollback_of")));
        root.Add(Logs());
        root.Add(RunCli.Command());
        root.Add(Deployments());
        root.Add(DeploymentGroup());
        root.Add(Env());
        root.Add(Scale());
        root.Add(Client("ps", "List an app's containers", true, [], async (c, app, _) => await c.GetJsonAsync($"api/apps/{EngineClient.Segment(app)}/ps"),
            (json, _) => Table(json, "type", "name", "version", "state", "restarts", "deployment", "worker")));
        root.Add(Apps());
        root.Add(MaintenanceCli.Command());
        root.Add(ChecksCli.Command());
        root.Add(ClusterGroup());
        if (palettes.FirstOrDefault(p => p.Name == "audit")?.Commands.FirstOrDefault(c => c.Name.Length == 0) is { } audit)
            root.Add(Audit(audit));
        PaletteCli.AddTo(root, palettes);
        return root;
    }

    /// <summary>The palettes of the node the arguments name (--server, --token, else the environment); null when it
    /// cannot be asked.</summary>
    private static async Task<IReadOnlyList<Palette>?> ServerPalettes(string[] args)
    {
        var (server, token) = Prompt.Connection(args, anyCommand: true)!.Value;
        try
        {
            using var client = new EngineClient(EngineClient.ResolveServer(server), EngineClient.ResolveToken(token));
            return (await client.GetJsonAsync("api/palettes")).Deserialize(ApiJsonContext.Default.ListPalette);
        }
        catch (CliException) { return null; }
    }

    /// <summary>`engine audit APP` as it always was (the app's events by persistence id); with a filter, --csv or no app,
    /// the journal-wide trail.</summary>
    private static Command Audit(PaletteCommand described)
    {
        var cmd = PaletteCli.Define(new Command("audit", described.Description), described);
        var trail = (AsynchronousCommandLineAction)cmd.Action!;
        var app = (Argument<string>)cmd.Arguments[0];
        var filters = cmd.Options.Where(o => o.Name == "--csv" || described.Options.Any(d => "--" + d.Name == o.Name)).ToList();
        var json = (Option<bool>)cmd.Options.First(o => o.Name == "--json");
        var server = (Option<string>)cmd.Options.First(o => o.Name == "--server");
        var token = (Option<string>)cmd.Options.First(o => o.Name == "--token");
        cmd.SetAction((parse, ct) =>
        {
            if (parse.GetValue(app) is not { } name || filters.Any(f => parse.GetResult(f) is { Implicit: false })) return trail.InvokeAsync(parse, ct);
            return Guard(async () =>
            {
                if (AppName.Validate(name) is { } invalid) throw new CliException(invalid, 2);
                using var client = Connect(parse, server, token);
                var events = await client.GetJsonAsync($"api/apps/{EngineClient.Segment(name)}/audit");
                if (parse.GetValue(json)) Print(events);
                else Table(events, "sequence_nr", "timestamp", "deployment", "type", "status");
                return 0;
            });
        });
        return cmd;
    }

    private static Command Deploy()
    {
        var dir = new Argument<string>("dir") { Description = "App directory with a Dockerfile and optionally a Procfile" };
        var app = new Option<string>("--app") { Description = "App name", Required = true };
        var json = JsonOption();
        var server = ServerOption();
        var token = TokenOption();
        var cmd = new Command("deploy", "Build and deploy an app directory; exits 0 only on success") { dir, app, json, server, token };
        cmd.SetAction(parse => Guard(async () =>
        {
            var appName = parse.GetValue(app)!;
            if (AppName.Validate(appName) is { } invalid) throw new CliException(invalid, 2);
            var directory = parse.GetValue(dir)!;
            if (!Directory.Exists(directory)) throw new CliException($"no such directory: {directory}", 2);
            using var client = Connect(parse, server, token);
            JsonElement created;
            // One key per command: its own retries of the upload get the deployment the first one made, never a second.
            try { created = await client.UploadAsync(appName, directory, Guid.NewGuid().ToString("N")); }
            catch (CliException lost) when (lost.Transient)
            {
                throw new CliException($"{lost.Message}; whether a deployment was made is unknown: "
                                       + $"'engine deployments {appName}' shows it", CliException.OutcomeUnknown);
            }
            var id = created.GetProperty("id").GetString()!;
            Console.Error.WriteLine($"-----> deployment {id} of {appName} created");
            return await FollowAsync(client, id, parse.GetValue(json));
        }));
        return cmd;
    }

    /// <summary>Streams the deployment's log until it ends; exits 0 only on success, 3 when the outcome is unknown.</summary>
    private static async Task<int> FollowAsync(EngineClient client, string id, bool json)
    {
        long offset = 0;
        string? seen = null;
        JsonElement deployment;
        try
        {
            while (true)
            {
                // A long poll: the node answers as soon as the status or the log changes.
                deployment = await EngineClient.Patiently(() => client.WaitForChangeAsync(id, seen, offset));
                var (text, next) = await EngineClient.Patiently(() => client.GetLogAsync(id, offset));
                Console.Error.Write(text);
                offset = next;
                seen = deployment.GetProperty("status").GetString()!;
                if (DeploymentStatus.IsTerminal(seen)) break;
            }
            var (rest, _) = await EngineClient.Patiently(() => client.GetLogAsync(id, offset));
            Console.Error.Write(rest);
        }
        catch (CliException lost) when (lost.Transient || lost.ExitCode == 2)
        {
            // The deployment goes on without this command: it says so rather than report a failure it does not know.
            Console.Error.WriteLine($"error: {lost.Message}");
            Console.WriteLine($"deployment {id}: outcome unknown ('engine deployment show {id}' tells it later)");
            return CliException.OutcomeUnknown;
        }
        var status = deployment.GetProperty("status").GetString();
        var error = deployment.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
        if (json) Print(deployment);
        else Console.WriteLine(status == DeploymentStatus.Success
            ? $"deployment {id}: success"
            : $"deployment {id}: {status}{(error is null ? "" : $" ({error})")}");
        return status == DeploymentStatus.Success ? 0 : 1;
    }

    private static Command Rollback()
    {
        var app = new Argument<string>("app") { Description = "App name" };
        var to = new Option<string>("--to") { Description = "The version to go back to, e.g. v3 (default: the release before the routed one)" };
        var skipHook = new Option<bool>("--skip-hook") { Description = "Do not run the release's postdeploy hook (journaled)" };
        var currentEnv = new Option<bool>("--current-env") { Description = "Keep today's env instead of the release's" };
        var json = JsonOption();
        var server = ServerOption();
        var token = TokenOption();
        var cmd = new Command("rollback", "Deploy an earlier release again: its image and Procfile, no build; exits 0 only on success")
            { app, to, skipHook, currentEnv, json, server, token };
        cmd.SetAction(parse => Guard(async () =>
        {
            var appName = parse.GetValue(app)!;
            if (AppName.Validate(appName) is { } invalid) throw new CliException(invalid, 2);
            int? version = null;
            if (parse.GetValue(to) is { } given)
                version = given.TrimStart('v') is var digits && int.TryParse(digits, System.Globalization.NumberStyles.None, null, out var v) && v > 0
                    ? v : throw new CliException($"--to takes a version such as v3, got '{given}'", 2);
            using var client = Connect(parse, server, token);
            var created = await client.PostJsonAsync($"api/apps/{EngineClient.Segment(appName)}/rollbacks",
                new RollbackRequest(version, parse.GetValue(skipHook), parse.GetValue(currentEnv)), ApiJsonContext.Default.RollbackRequest);
            var id = created.GetProperty("id").GetString()!;
            Console.Error.WriteLine($"-----> rollback {id} of {appName} created, with "
                                    + (parse.GetValue(currentEnv) ? "today's env" : "the env of the release it goes back to"));
            return await FollowAsync(client, id, parse.GetValue(json));
        }));
        return cmd;
    }

    private static Command Logs()
    {
        var app = new Argument<string>("app") { Description = "App name" };
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep streaming: new containers (a deployment, a restart, a scale) join" };
        var lines = new Option<int>("-n") { Description = $"Lines (the last ones; default {LogOptions.DefaultLines}, at most {LogOptions.MaxLines})", DefaultValueFactory = _ => LogOptions.DefaultLines };
        var type = new Option<string>("--type") { Description = "Only this process type (web, worker, ..., or one-off)" };
        var container = new Option<string>("--container") { Description = "Only this container, e.g. web-1" };
        var since = new Option<string>("--since") { Description = "From a time ago (10m, 2h, 1d) or a time (2026-12-07T10:00:00Z)" };
        var json = JsonOption();
        var server = ServerOption();
        var token = TokenOption();
        var cmd = new Command("logs", "The output of an app's containers on every worker, in timestamp order")
            { app, follow, lines, type, container, since, json, server, token };
        cmd.SetAction((parse, ct) => Guard(async () =>
        {
            var appName = parse.GetValue(app)!;
            if (AppName.Validate(appName) is { } invalid) throw new CliException(invalid, 2);
            var n = parse.GetValue(lines);
            if (LogOptions.ValidateLines(n) is { } badLines) throw new CliException(badLines, 2);
            var query = new List<string> { $"lines={n}" };
            if (parse.GetValue(since) is { } text)
                query.Add("since=" + Uri.EscapeDataString((LogOptions.Since(text, DateTimeOffset.UtcNow)
                    ?? throw new CliException(LogOptions.SinceError(text), 2)).UtcDateTime.ToString("O")));
            if (parse.GetValue(type) is { } t) query.Add("type=" + Uri.EscapeDataString(t));
            if (parse.GetValue(container) is { } c) query.Add("container=" + Uri.EscapeDataString(c));
            if (parse.GetValue(follow)) query.Add("follow=true");
            using var client = Connect(parse, server, token);
            var raw = parse.GetValue(json);
            var failed = false; // the node's own line: what the workers could not read
            try
            {
                await client.StreamLinesAsync(HttpMethod.Get, $"api/apps/{EngineClient.Segment(appName)}/logs?{string.Join('&', query)}", line =>
                {
                    var l = JsonDocument.Parse(line).RootElement;
                    failed |= l.GetProperty("container").GetString() == "-";
                    if (raw) { Console.Out.WriteLine(line); return; }
                    // As Heroku's app[web.1]: TIMESTAMP CONTAINER[vN]: text
                    Console.Out.WriteLine($"{l.GetProperty("at").GetDateTimeOffset().UtcDateTime:yyyy-MM-dd'T'HH:mm:ss.fff'Z'} "
                                          + $"{l.GetProperty("container").GetString()}[{l.GetProperty("version").GetString()}]: {l.GetProperty("text").GetString()}");
                }, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested) { } // Ctrl-C ends a follow: its normal end
            return failed ? 1 : 0;
        }));
        return cmd;
    }

    private static Command Deployments() => Client("deployments", "List an app's deployments", true, [],
        async (c, app, _) => await c.GetJsonAsync($"api/apps/{EngineClient.Segment(app)}/deployments"),
        (json, _) => Table(json, "id", "version", "status", "created_at", "finished_at", "error"));

    private static Command DeploymentGroup()
    {
        var group = new Command("deployment", "Inspect one deployment");
        group.Add(IdCommand("show", "Show one deployment", async (c, id) =>
        {
            var d = await c.GetJsonAsync($"api/deployments/{EngineClient.Segment(id)}");
            return (d, (Action<JsonElement>)(j => Table([j], "id", "app", "version", "status", "created_at", "finished_at", "error")));
        }));
        group.Add(IdCommand("logs", "The build and hook output of a deployment", async (c, id) =>
        {
            var (text, _) = await c.GetLogAsync(id, 0);
            return (JsonSerializer.SerializeToElement(text, ApiJsonContext.Default.String), (Action<JsonElement>)(_ => Console.Write(text)));
        }, withJson: false));
        return group;
    }

    private static Command IdCommand(string name, string description,
        Func<EngineClient, string, Task<(JsonElement Json, Action<JsonElement> Human)>> run, bool withJson = true)
    {
        var id = new Argument<string>("id") { Description = "Deployment id, e.g. hello-v3" };
        var json = JsonOption();
        var server = ServerOption();
        var token = TokenOption();
        var cmd = new Command(name, description) { id, server, token };
        if (withJson) cmd.Add(json);
        cmd.SetAction(parse => Guard(async () =>
        {
            var deploymentId = parse.GetValue(id)!;
            if (DeploymentId.Validate(deploymentId) is { } invalid) throw new CliException(invalid, 2);
            using var client = Connect(parse, server, token);
            var (result, human) = await run(client, deploymentId);
            if (withJson && parse.GetValue(json)) Print(result);
            else human(result);
            return 0;
        }));
        return cmd;
    }

    private static Command Env()
    {
        var env = Client("env", "Show an app's environment", true, [],
            async (c, app, _) => (await c.GetJsonAsync($"api/apps/{EngineClient.Segment(app)}/env")).GetProperty("env"),
            (json, _) => { foreach (var p in json.EnumerateObject()) Console.WriteLine($"{p.Name}={p.Value.GetString()}"); });
        env.Add(Client("set", "Set variables (KEY=VALUE...); they apply from the next deployment on", true, ["KEY=VALUE"],
            async (c, app, pairs) =>
            {
                var set = new Dictionary<string, string>();
                foreach (var pair in pairs)
                {
                    var eq = pair.IndexOf('=');
                    if (eq <= 0) throw new CliException($"expected KEY=VALUE, got '{pair}'", 2);
                    set[pair[..eq]] = pair[(eq + 1)..];
                }
                return (await c.PatchJsonAsync($"api/apps/{EngineClient.Segment(app)}/env", new EnvChange(set, []), ApiJsonContext.Default.EnvChange)).GetProperty("env");
            },
            (json, pairs) => Console.WriteLine($"set {string.Join(", ", pairs.Select(p => p.Split('=')[0]))}; applies from the next deployment")));
        env.Add(Client("unset", "Remove variables (KEY...); applies from the next deployment on", true, ["KEY"],
            async (c, app, keys) => (await c.PatchJsonAsync($"api/apps/{EngineClient.Segment(app)}/env", new EnvChange([], [.. keys]), ApiJsonContext.Default.EnvChange)).GetProperty("env"),
            (json, keys) => Console.WriteLine($"unset {string.Join(", ", keys)}; applies from the next deployment")));
        return env;
    }

    private static Command ClusterGroup()
    {
        var group = new Command("cluster", "The cluster this node belongs to");
        group.Add(Client("show", "Members (address, roles, status, reachability, leader) and the node that owns each app", false, [],
            async (c, _, _) => await c.GetJsonAsync("api/cluster"),
            (json, _) =>
            {
                Table(["address", "roles", "status", "reachable", "leader", "worker"], json.GetProperty("members").EnumerateArray().Select(m =>
                    new[]
                    {
                        m.GetProperty("address").GetString() ?? "",
                        string.Join(",", m.GetProperty("roles").EnumerateArray().Select(r => r.GetString())),
                        m.GetProperty("status").GetString() ?? "",
                        m.GetProperty("reachable").GetBoolean() ? "yes" : "no",
                        m.GetProperty("leader").GetBoolean() ? "leader" : "",
                        m.GetProperty("worker").GetString() ?? "",
                    }));
                var apps = json.GetProperty("apps");
                if (apps.ValueKind != JsonValueKind.Array) Console.WriteLine($"apps: unknown now ({json.GetProperty("apps_error").GetString()})");
                else if (apps.GetArrayLength() == 0) Console.WriteLine("no apps");
                else
                {
                    Console.WriteLine();
                    // An idle app (never deployed) has no owner: it starts on demand.
                    Table(apps, "app", "owner");
                }
            }));
        return group;
    }

    private static Command Scale() => Client("scale", "Show the app's formation, or set containers per process type (TYPE=N...): "
            + "applies to the routed release at once and to later deployments", true, ["TYPE=N"],
        async (c, app, pairs) =>
        {
            var path = $"api/apps/{EngineClient.Segment(app)}/formation";
            if (pairs.Length == 0) return (await c.GetJsonAsync(path)).GetProperty("formation");
            var set = new Dictionary<string, int>();
            foreach (var pair in pairs)
            {
                var eq = pair.IndexOf('=');
                if (eq <= 0 || !int.TryParse(pair[(eq + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var count))
                    throw new CliException($"expected TYPE=N with a whole number N, got '{pair}'", 2);
                set[pair[..eq]] = count;
            }
            return (await c.PatchJsonAsync(path, new ScaleChange(set), ApiJsonContext.Default.ScaleChange)).GetProperty("formation");
        },
        (json, _) => { foreach (var p in json.EnumerateObject()) Console.WriteLine($"{p.Name}={p.Value.GetInt32()}"); },
        restOptional: true);

    private static Command Apps() => Client("apps", "List apps", false, [],
        async (c, _, _) => await c.GetJsonAsync("api/apps"),
        (json, _) => Table(json, PaletteCatalog.AppColumns));

    /// <summary>A client command: optional APP argument, optional extra arguments, --json and --server.</summary>
    private static Command Client(string name, string description, bool takesApp, string[] rest,
        Func<EngineClient, string, string[], Task<JsonElement>> run, Action<JsonElement, string[]> human, bool restOptional = false)
    {
        var app = new Argument<string>("app") { Description = "App name" };
        var extra = new Argument<string[]>(rest.FirstOrDefault() ?? "args")
        {
            Arity = restOptional ? ArgumentArity.ZeroOrMore : ArgumentArity.OneOrMore,
        };
        var json = JsonOption();
        var server = ServerOption();
        var token = TokenOption();
        var cmd = new Command(name, description) { json, server, token };
        if (takesApp) cmd.Add(app);
        if (rest.Length > 0) cmd.Add(extra);
        cmd.SetAction(parse => Guard(async () =>
        {
            var appName = takesApp ? parse.GetValue(app)! : "";
            if (takesApp && AppName.Validate(appName) is { } invalid) throw new CliException(invalid, 2);
            var args = rest.Length > 0 ? parse.GetValue(extra) ?? [] : [];
            using var client = Connect(parse, server, token);
            var result = await run(client, appName, args);
            if (parse.GetValue(json)) Print(result);
            else human(result, args);
            return 0;
        }));
        return cmd;
    }

    internal static Option<bool> JsonOption() => new("--json") { Description = "Print JSON" };

    internal static Option<string> ServerOption() =>
        new("--server") { Description = "Admin API of the node (default $ENGINE_SERVER or http://127.0.0.1:4000)" };

    internal static Option<string> TokenOption() =>
        new("--token") { Description = "Bearer token of the node's admin API (default $ENGINE_TOKEN)" };

    internal static EngineClient Connect(ParseResult parse, Option<string> server, Option<string> token) =>
        new(EngineClient.ResolveServer(parse.GetValue(server)), EngineClient.ResolveToken(parse.GetValue(token)));

    internal static async Task<int> Guard(Func<Task<int>> action)
    {
        try { return await action(); }
        catch (CliException e) { return Fail(e.Message, e.ExitCode); }
    }

    /// <summary>Says what went wrong on standard error, as every command does; returns the exit code.</summary>
    public static int Fail(string message, int code)
    {
        Console.Error.WriteLine($"error: {message}");
        return code;
    }

    /// <summary>As the API writes it (indented, relaxed escaping), without the serializer's start-up cost.</summary>
    internal static void Print(JsonElement json)
    {
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = ApiJson.Options.Encoder }))
            json.WriteTo(writer);
        Console.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
    }

    private static void Table(JsonElement rows, params string[] columns) => Table(rows.EnumerateArray(), columns);

    private static void Table(IEnumerable<JsonElement> rows, params string[] columns) => Table(columns, rows.Select(r => columns.Select(c =>
        !r.TryGetProperty(c, out var v) || v.ValueKind == JsonValueKind.Null ? "-"
        : v.ValueKind == JsonValueKind.Object ? string.Join(", ", v.EnumerateObject().Select(p => p.Value.ToString()))
        : v.ToString()).ToArray()));

    private static void Table(string[] columns, IEnumerable<string[]> rows)
    {
        var cells = rows.ToList();
        var widths = columns.Select((c, i) => cells.Select(r => r[i].Length).Append(c.Length).Max()).ToArray();
        Console.WriteLine(string.Join("  ", columns.Select((c, i) => c.ToUpperInvariant().PadRight(widths[i]))).TrimEnd());
        foreach (var r in cells) Console.WriteLine(string.Join("  ", r.Select((v, i) => v.PadRight(widths[i]))).TrimEnd());
    }
}
