
namespace Engine.Api;

/// <summary>An argument of a palette command; in the request it fills the path's <c>{Name}</c>, else the query.</summary>
public sealed record PaletteArgument(string Name, string Description, bool Required = true);

/// <summary>A `--Name` switch; its value (`true` for a flag) goes into the query.</summary>
public sealed record PaletteOption(string Name, string Description, bool Flag = false);

/// <summary>One command as the server describes it, so that any CLI, even one older than the node, can run it: how to
/// call it (<paramref name="Method"/>, <paramref name="Path"/>) and how to show the answer (<paramref name="Output"/>:
/// see <see cref="PaletteOutput"/>; <paramref name="Rows"/>: the property holding the rows, none for the root).
/// An empty <paramref name="Name"/> is the palette's own command (`engine audit APP`).</summary>
public sealed record PaletteCommand(string Name, string Description, string Method, string Path, string Output,
    IReadOnlyList<PaletteArgument> Arguments, IReadOnlyList<PaletteOption> Options, IReadOnlyList<string>? Columns = null,
    string? Rows = null);

public sealed record Palette(string Name, string Description, IReadOnlyList<PaletteCommand> Commands);

/// <summary>How the CLI shows an answer. Any answer that holds <c>"failed": true</c> exits 1 once shown.</summary>
public static class PaletteOutput
{
    /// <summary>Rows (the root array, or the <c>Rows</c> property) as a table of <c>Columns</c>.</summary>
    public const string Table = "table";
    /// <summary>One object: a field per line.</summary>
    public const string Object = "object";
    /// <summary>An object's properties as KEY=VALUE lines.</summary>
    public const string Pairs = "pairs";
    /// <summary>Rows with <c>depth</c> and <c>name</c>: one indented line each.</summary>
    public const string Tree = "tree";
    /// <summary>Plain text, shown as it arrives (a followed log).</summary>
    public const string Text = "text";
    /// <summary>One JSON object per line as it arrives (newline-delimited JSON), shown as rows of <c>Columns</c>.</summary>
    public const string Lines = "lines";
}

/// <summary>The operator palettes every node serves (`GET /api/palettes`) and the CLI offers.</summary>
public static class PaletteCatalog
{
    private static PaletteArgument App(bool required = true) => new("app", "App name", required);
    private static PaletteArgument Id => new("id", "Deployment id, e.g. hello-v3");
    private static PaletteArgument Address => new("address", "Member address, e.g. akka.tcp://engine@10.0.0.2:4053");
    private static PaletteCommand Get(string name, string description, string path, string output, PaletteArgument[] args,
        PaletteOption[]? options = null, string[]? columns = null, string? rows = null) =>
        new(name, description, "GET", path, output, args, options ?? [], columns, rows);
    private static PaletteCommand Post(string name, string description, string path, string output, PaletteArgument[] args,
        PaletteOption[]? options = null, string[]? columns = null) =>
        new(name, description, "POST", path, output, args, options ?? [], columns);

    private static readonly string[] MemberColumns = ["address", "roles", "status", "reachable", "leader", "worker"];
    /// <summary>An app's lock and maintenance show as their fields, comma-separated; "-" when off.</summary>
    public static readonly string[] AppColumns = ["name", "routed_version", "deployments", "lock", "maintenance", "url"];
    private static readonly string[] DeploymentColumns = ["id", "app", "version", "status", "created_at", "finished_at", "by", "error"];

    public static readonly IReadOnlyList<Palette> All =
    [
        new("cluster", "Membership of the cluster this node belongs to",
        [
            Get("show", "Members (address, roles, status, reachability, leader) and the node that owns each app", "api/cluster",
                PaletteOutput.Table, [], columns: MemberColumns, rows: "members"),
            Post("leave", "Ask a member to leave the cluster gracefully (its apps move first)", "api/cluster/leave",
                PaletteOutput.Object, [Address]),
            Post("down", "Mark a member down: the cluster removes it at once (for a node that is gone)", "api/cluster/down",
                PaletteOutput.Object, [Address]),
            Post("down-unreachable", "Mark every unreachable member down", "api/cluster/down-unreachable", PaletteOutput.Object, []),
            Post("join", "Make this node join the cluster that ADDRESS belongs to", "api/cluster/join", PaletteOutput.Object, [Address]),
            Get("tail", "Membership and reachability events as they happen (the current members first), until Ctrl-C",
                "api/cluster/tail", PaletteOutput.Lines, [], columns: ["at", "event", "address", "roles", "status"]),
        ]),
        new("actor", "The live actors of a node",
        [
            Get("hierarchy", "The actor tree of this node, or of --node", "api/actors", PaletteOutput.Tree, [],
            [
                new("depth", "How many levels below --path (default 3)"),
                new("path", "Where to start (default /user)"),
                new("node", "The member whose actors to show (default the node the CLI talks to)"),
            ], rows: "actors"),
        ]),
        new("deployments", "Deployments of every app",
        [
            Get("list", "Deployments, oldest first, of one app or of all, from the journal's projection", "api/deployments",
                PaletteOutput.Table, [App(required: false)], columns: DeploymentColumns, rows: "deployments"),
            Get("show", "One deployment", "api/deployments/{id}", PaletteOutput.Object, [Id],
                columns: ["id", "app", "version", "status", "created_at", "finished_at", "error"]),
            Get("logs", "A deployment's build, start and hook output; --follow streams it until the deployment ends",
                "api/deployments/{id}/log", PaletteOutput.Text, [Id],
                [new("follow", "Stream new lines until the deployment ends", Flag: true), new("offset", "Start at this byte offset (resume)")]),
            Post("cancel", "End a deployment as aborted before its traffic switch; its new containers go, the routed version stays",
                "api/deployments/{id}/cancel", PaletteOutput.Object, [Id],
                columns: ["id", "app", "version", "status", "created_at", "finished_at", "error"]),
        ]),
        new("apps", "Apps and their containers",
        [
            Get("list", "Apps", "api/apps", PaletteOutput.Table, [], columns: AppColumns),
            Get("ps", "An app's containers", "api/apps/{app}/ps", PaletteOutput.Table, [App()],
                columns: ["type", "name", "version", "state", "restarts", "deployment", "worker"]),
            Get("env", "An app's environment", "api/apps/{app}/env", PaletteOutput.Pairs, [App()], rows: "env"),
            Post("restart", "Restart the routed release's containers one by one (web ones leave the route while they restart)",
                "api/apps/{app}/restart", PaletteOutput.Table, [App()],
                columns: ["type", "name", "worker"]),
            Post("lock", "Refuse deploy, rollback, scale and restart (HTTP 423) until `apps unlock`", "api/apps/{app}/lock",
                PaletteOutput.Object, [App()], [new("reason", "Why: shown to whoever is refused (required)")], columns: ["name", "lock"]),
            Post("unlock", "Allow deploy, rollback, scale and restart again", "api/apps/{app}/unlock", PaletteOutput.Object, [App()],
                columns: ["name", "lock"]),
        ]),
        new("audit", "The event journal, read back",
        [
            Get("", "Journal events, oldest first, of one app or of all", "api/audit", PaletteOutput.Table, [App(required: false)],
            [
                new("deployment", "Only this deployment's events"),
                new("since", "From this time on (ISO 8601)"),
                new("until", "Up to this time (ISO 8601)"),
                new("type", "Only events of these types (comma-separated, e.g. DeploymentFailed,EnvChanged)"),
            ], columns: ["timestamp", "app", "deployment", "type", "status", "by", "node", "detail"], rows: "events"),
            Get("routes", "Which version served the app at a given time, rebuilt from the journal alone", "api/audit/routes/{app}",
                PaletteOutput.Object, [App()], [new("at", "The time (ISO 8601; default now)")],
                columns: ["app", "at", "deployment_id", "version", "since", "until", "previous"]),
            Get("verify", "Check the journal: sequence gaps, events that contradict the deployment state machine, orphaned deployments",
                "api/audit/verify", PaletteOutput.Table, [], columns: ["kind", "persistence_id", "sequence_nr", "message"], rows: "findings"),
        ]),
    ];
}
