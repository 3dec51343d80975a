using Engine.Journal;
using System.Text.Json;
using System.Threading.Channels;
using Akka.Actor;
using Akka.Cluster;
using Akka.Hosting;
using Engine.Admin;
using Engine.Api;
using Engine.Apps;
using Engine.Audit;
using Engine.Cluster;
using Engine.Deployments;
using Engine.Projections;
using Engine.Protocol;
using static Engine.Admin.AdminApi;

namespace Engine.Palettes;

/// <summary>What `engine cluster leave|down|join|down-unreachable` did, journaled as <see cref="OperatorCommandRun"/>.</summary>
public sealed record ClusterCommandDone(string Command, IReadOnlyList<string> Members, string By, string Node, string Message);

/// <summary>`engine deployments list`: the projection's rows, and how many journal events it has yet to apply.</summary>
public sealed record DeploymentListing(IReadOnlyList<DeploymentListing.Row> Deployments, long Behind, string? Message)
{
    public sealed record Row(string Id, string App, string Version, string Status, DateTimeOffset CreatedAt, DateTimeOffset? FinishedAt,
        string? By, string? Error);
}

/// <summary>The admin API's palette endpoints (see <see cref="PaletteCatalog"/>); any node answers them.</summary>
public static class PaletteApi
{
    /// <summary>A cancel answers once the deployment has ended: its new containers removed on every worker.</summary>
    private static readonly TimeSpan CancelTimeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan FollowWake = TimeSpan.FromSeconds(20);

    public static void MapPalettes(this RouteGroupBuilder api, AdminSettings settings)
    {
        var journal = settings.Journal;
        api.MapGet("/palettes", () => Results.Json(PaletteCatalog.All, ApiJson.Options));
        api.MapPost("/cluster/{command}", (string command, string? address, HttpContext context, ActorSystem system,
            IRequiredActor<OperatorLogActor> log) => ClusterCommand(command, address, Caller.Of(context, settings), system, log));
        api.MapGet("/cluster/tail", Tail);
        // As long as a deployment may take: every container stops (with the stop grace) and comes back in turn.
        api.MapPost("/apps/{app}/restart", (string app, HttpContext context, IRequiredActor<AppActor> apps) =>
            Reply(apps, new RestartApp(app, Caller.Of(context, settings)), settings.DeploymentTimeout));
        api.MapGet("/actors", Actors);
        api.MapGet("/deployments", ListDeployments);
        api.MapGet("/audit", Trail);
        api.MapGet("/audit/routes/{app}", async (string app, string? at, ActorSystem system, HttpContext context) =>
        {
            if (AppName.Validate(app) is { } invalid) return Error(StatusCodes.Status400BadRequest, invalid);
            var (time, bad) = Time(at, "--at");
            if (bad is not null) return bad;
            var events = await new JournalReader(system, journal).AllAsync(context.RequestAborted);
            return RouteHistory.At(events, app, time ?? DateTimeOffset.UtcNow) is { } route
                ? Results.Json(route, ApiJson.Options)
                : Error(StatusCodes.Status404NotFound, $"app '{app}' not found: the journal holds no event of it");
        });
        api.MapGet("/audit/verify", Verify);
        api.MapGet("/deployments/{id}/log", FollowLog);
        api.MapPost("/deployments/{id}/cancel", async (string id, HttpContext context, IRequiredActor<AppActor> apps) =>
            DeploymentId.Validate(id) is { } invalid
                ? Error(StatusCodes.Status400BadRequest, invalid)
                : await Reply(apps, new CancelDeployment(DeploymentId.Parse(id)!.Value.App, id, Caller.Of(context, settings)),
                    CancelTimeout));
    }

    private static async Task<IResult> ClusterCommand(string command, string? address, string by, ActorSystem system,
        IRequiredActor<OperatorLogActor> log)
    {
        var cluster = Akka.Cluster.Cluster.Get(system);
        var state = cluster.State;
        IReadOnlyList<Address> targets;
        switch (command)
        {
            case "leave" or "down" or "join":
                if (string.IsNullOrWhiteSpace(address))
                    return Error(StatusCodes.Status400BadRequest, $"cluster {command} needs a member address, e.g. akka.tcp://engine@10.0.0.2:4053");
                Address target;
                try { target = Address.Parse(address); }
                catch (Exception e) when (e is UriFormatException or ArgumentException or FormatException)
                {
                    return Error(StatusCodes.Status400BadRequest, $"'{address}' is not a member address: expected akka.tcp://engine@HOST:PORT");
                }
                if (command == "join" && cluster.SelfMember.Status is MemberStatus.Up or MemberStatus.WeaklyUp)
                    return Error(StatusCodes.Status409Conflict, $"this node ({cluster.SelfAddress}) is already up in a cluster of "
                        + $"{state.Members.Count} member(s): a node joins another cluster only after it left this one and restarted");
                if (command != "join" && state.Members.All(m => m.Address != target))
                    return Error(StatusCodes.Status404NotFound, $"no member at {address}: 'engine cluster show' lists them");
                if (command != "join" && MemberRemoval.Refuse(command, target.ToString(), ClusterView.Of(system, null).Members) is { } kept)
                    return Error(StatusCodes.Status409Conflict, kept);
                targets = [target];
                break;
            case "down-unreachable":
                targets = [.. state.Unreachable.Select(m => m.Address)];
                if (targets.Count == 0)
                    return Results.Json(new ClusterCommandDone(command, [], by, cluster.SelfAddress.ToString(), "no member is unreachable: nothing to do"),
                        ApiJson.Options);
                break;
            default:
                return Error(StatusCodes.Status404NotFound, $"no cluster command '{command}' (leave, down, down-unreachable, join)");
        }
        // Journaled first: nothing changes that the audit would not show.
        var recorded = await AskRaw(log, new RecordOperatorCommand(command, string.Join(",", targets), by));
        if (recorded is not OperatorCommandRun run) return ToResult(recorded);
        foreach (var target in targets)
        {
            if (command == "leave") cluster.Leave(target);
            else if (command == "join") cluster.Join(target);
            else cluster.Down(target);
        }
        var members = targets.Select(t => t.ToString()).ToList();
        return Results.Json(new ClusterCommandDone(command, members, by, run.Node, command switch
        {
            "leave" => $"{members[0]} is leaving the cluster",
            "join" => $"this node is joining the cluster of {members[0]}",
            _ => $"marked down: {string.Join(", ", members)}",
        }), ApiJson.Options);
    }

    /// <summary>Newline-delimited JSON, one line per event, until the client goes or the node stops.</summary>
    private static async Task Tail(HttpContext context, ActorSystem system, IHostApplicationLifetime lifetime)
    {
        var lines = Channel.CreateUnbounded<ClusterEventLine>(new UnboundedChannelOptions { SingleReader = true });
        var listener = system.ActorOf(ClusterTailActor.Props(lines.Writer));
        using var until = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        try
        {
            context.Response.ContentType = "application/x-ndjson";
            await context.Response.StartAsync(until.Token);
            await foreach (var line in lines.Reader.ReadAllAsync(until.Token))
            {
                await context.Response.WriteAsync(JsonSerializer.Serialize(line, Compact) + "\n", until.Token);
                await context.Response.Body.FlushAsync(until.Token);
            }
        }
        catch (OperationCanceledException) { } // the client went, or the node stops: the stream ends
        finally
        {
            system.Stop(listener);
        }
    }

    private static readonly JsonSerializerOptions Compact = new(ApiJson.Options) { WriteIndented = false };

    private static async Task<IResult> Actors(int? depth, string? path, string? node, ActorSystem system)
    {
        var levels = depth ?? 3;
        var from = path ?? "/user";
        if (levels is < 0 or > ActorTree.MaxDepth)
            return Error(StatusCodes.Status400BadRequest, $"--depth must be between 0 and {ActorTree.MaxDepth}, got {levels}");
        if (!from.StartsWith('/')) return Error(StatusCodes.Status400BadRequest, $"--path must start with '/', e.g. /user, got '{from}'");
        var self = Akka.Cluster.Cluster.Get(system).SelfAddress;
        if (node is null || node == self.ToString())
            return ActorTree.Walk(system, from, levels) is { } tree
                ? Results.Json(tree, ApiJson.Options)
                : Error(StatusCodes.Status404NotFound, $"no actor at {from}");
        Address at;
        try { at = Address.Parse(node); }
        catch (Exception e) when (e is UriFormatException or ArgumentException or FormatException)
        {
            return Error(StatusCodes.Status400BadRequest, $"--node '{node}' is not a member address: expected akka.tcp://engine@HOST:PORT");
        }
        if (Akka.Cluster.Cluster.Get(system).State.Members.All(m => m.Address != at))
            return Error(StatusCodes.Status404NotFound, $"no member at {node}: 'engine cluster show' lists them");
        try
        {
            return ToResult(await system.ActorSelection(new RootActorPath(at) / "user" / ActorTreeActor.Name)
                .Ask<object>(new GetActorTree(from, levels), AskTimeout));
        }
        catch (AskTimeoutException)
        {
            return Error(StatusCodes.Status503ServiceUnavailable, $"{node} did not answer within {AskTimeout.TotalSeconds:0} s");
        }
    }

    /// <summary>An ISO 8601 time from the query (null when not given), or the error that says it is not one.</summary>
    private static (DateTimeOffset? Value, IResult? Error) Time(string? value, string option) =>
        value is null ? (null, null)
        : DateTimeOffset.TryParse(value, System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal, out var t) ? (t, null)
        : (null, Error(StatusCodes.Status400BadRequest, $"{option} expects a time such as 2026-11-29T14:00:00Z, got '{value}'"));

    private static async Task<IResult> Trail(string? app, string? deployment, string? since, string? until, string? type,
        JournalSettings journal, ActorSystem system, HttpContext context)
    {
        if (app is not null && AppName.Validate(app) is { } invalidApp) return Error(StatusCodes.Status400BadRequest, invalidApp);
        if (deployment is not null && DeploymentId.Validate(deployment) is { } invalidId) return Error(StatusCodes.Status400BadRequest, invalidId);
        var (from, fromError) = Time(since, "--since");
        var (to, toError) = Time(until, "--until");
        if ((fromError ?? toError) is { } badTime) return badTime;
        var types = type?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet();
        var known = $"the types are {string.Join(", ", AuditTrail.Types.Order())}";
        // An empty set would match no event: `--type ,` answered "0 events" where it names no type.
        if (types is { Count: 0 }) return Error(StatusCodes.Status400BadRequest, $"--type names no event type: give one or more, comma-separated; {known}");
        if (types?.FirstOrDefault(t => !AuditTrail.Types.Contains(t)) is { } unknown)
            return Error(StatusCodes.Status400BadRequest, $"unknown event type '{unknown}'; {known}");
        var events = await new JournalReader(system, journal).AllAsync(context.RequestAborted);
        return Results.Json(new { events = AuditTrail.Rows(events, new AuditFilter(app, deployment, from, to, types)) }, ApiJson.Options);
    }

    /// <summary>The whole journal against the state machines, and the deployments live app actors hold in flight.</summary>
    private static async Task<IResult> Verify(AdminSettings settings, ActorSystem system, HttpContext context,
        IRequiredActor<AppActor> apps)
    {
        var events = await new JournalReader(system, settings.Journal).AllAsync(context.RequestAborted);
        HashSet<string>? running = null;
        if (await ListAsync(apps, system, settings, context.RequestAborted) is AppList { Apps: var all })
        {
            running = [];
            foreach (var app in all.Where(a => a.Deployments > 0))
                if (await AskRaw(apps, new GetDeployments(app.Name)) is DeploymentList { Deployments: var views })
                    running.UnionWith(views.Where(v => !DeploymentStatus.IsTerminal(v.Status)).Select(v => v.Id));
                else
                {
                    running = null; // one app did not answer: none of them is checked
                    break;
                }
        }
        var findings = JournalVerifier.Verify(events, running);
        var ids = events.Select(e => e.PersistenceId).Distinct().Count();
        return Results.Json(new
        {
            findings,
            failed = findings.Count > 0,
            message = (findings.Count == 0 ? "no finding" : $"{findings.Count} finding(s)") + $" in {events.Count} events of {ids} persistence ids"
                + (running is null ? " (the apps did not all answer: in-flight deployments were not checked against them)" : ""),
        }, ApiJson.Options);
    }

    /// <summary>From the projection's table: no deployment (nor app) actor is asked, however many there are. A request
    /// waits briefly for the projection to reach the journal's end as it was, so a change just made is listed.</summary>
    private static async Task<IResult> ListDeployments(string? app, JournalSettings journal, HttpContext context)
    {
        if (app is not null && AppName.Validate(app) is { } invalid) return Error(StatusCodes.Status400BadRequest, invalid);
        var ct = context.RequestAborted;
        var progress = await DeploymentsTable.ProgressAsync(journal, ct);
        for (var deadline = DateTime.UtcNow + ProjectionCatchUp; progress.Behind > 0 && DateTime.UtcNow < deadline;)
        {
            await Task.Delay(ProjectionPoll, ct);
            progress = progress with { Offset = (await DeploymentsTable.ProgressAsync(journal, ct)).Offset };
        }
        var rows = await DeploymentsTable.ListAsync(journal, app, ct);
        return Results.Json(new DeploymentListing(rows.Select(r => new DeploymentListing.Row(r.Id, r.App, $"v{r.Version}", r.Status,
                r.CreatedAt, r.FinishedAt, r.By, r.Error)).ToList(), progress.Behind,
            progress.Behind > 0 ? $"the listing is {progress.Behind} journal event(s) behind: the newest changes show in a moment" : null),
            ApiJson.Options);
    }

    private static readonly TimeSpan ProjectionCatchUp = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan ProjectionPoll = TimeSpan.FromMilliseconds(100);

    /// <summary>The log as it is (`--offset` to resume), or with --follow as it grows, until the deployment has ended.</summary>
    private static async Task FollowLog(string id, long? offset, bool? follow, HttpContext context, ActorSystem system,
        IRequiredActor<AppActor> apps, IHostApplicationLifetime lifetime)
    {
        if (follow != true)
        {
            await (await Logs(apps, id, offset ?? 0)).ExecuteAsync(context);
            return;
        }
        if (DeploymentId.Validate(id) is { } invalid)
        {
            await Error(StatusCodes.Status400BadRequest, invalid).ExecuteAsync(context);
            return;
        }
        var app = DeploymentId.Parse(id)!.Value.App;
        using var until = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        var next = Math.Max(0, offset ?? 0);
        try
        {
            while (true)
            {
                // Subscribed before reading, so a line written in between still wakes the wait below.
                using var changes = DeploymentChangeWaiter.Subscribe(system, id);
                var watching = await AskRaw(apps, new WatchDeployment(app, id, changes.Waiter));
                if (watching is not WatchingDeployment)
                {
                    if (!context.Response.HasStarted) await ToResult(watching).ExecuteAsync(context);
                    return;
                }
                var view = await AskRaw(apps, new GetDeployment(app, id));
                while (await AskRaw(apps, new ReadDeploymentLog(app, id, next)) is FileChunk { Data.Length: > 0 } chunk)
                {
                    if (!context.Response.HasStarted) context.Response.ContentType = "text/plain; charset=utf-8";
                    await context.Response.Body.WriteAsync(chunk.Data, until.Token);
                    next += chunk.Data.Length;
                    if (chunk.Last) break;
                }
                await context.Response.Body.FlushAsync(until.Token);
                // Its end was read before the log: every line it wrote is out.
                if (view is DeploymentView { Status: var status } && DeploymentStatus.IsTerminal(status)) return;
                await changes.Woken.WaitAsync(FollowWake, until.Token).ContinueWith(_ => { }, TaskScheduler.Default);
                until.Token.ThrowIfCancellationRequested();
            }
        }
        catch (OperationCanceledException) { } // the client went, or the node stops
    }
}
