using Engine.Journal;
using System.Net.Http.Headers;
using System.Threading.Channels;
using Akka.Actor;
using Akka.Hosting;
using Engine.Api;
using Engine.Apps;
using Engine.Audit;
using Engine.Cluster;
using Engine.Deployments;
using Engine.Workers;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Engine.Protocol;

namespace Engine.Admin;

/// <summary>The node's admin HTTP API, served on --admin-url only; the CLI is its client.</summary>
public static class AdminApi
{
    internal static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(15);
    /// <summary>An accepted upload is answered once its deployment is journaled as queued. A node warming up (its first
    /// apps' registrations, shard allocations and recoveries, one after another) took over 15 s for some of 50 uploads at
    /// once, and the clients were told the engine did not answer though their deployments ran.</summary>
    private static readonly TimeSpan QueueTimeout = TimeSpan.FromMinutes(5);
    private const int MaxIdempotencyKeyLength = 128;

    /// <param name="palettes">Maps the palettes' endpoints into the same group (Hosting passes them: they sit beside
    /// the admin API, which knows nothing of them).</param>
    public static void MapAdminApi(this WebApplication web, AdminSettings settings, Action<RouteGroupBuilder> palettes)
    {
        // The port picks the group, so an app's own /api paths still reach it on the router port; AdminGuard checks
        // the Host name, Origin, token and body size of every request on the admin port.
        var api = web.MapGroup("/api").RequireHost($"*:{settings.AdminPort}")
            .AddEndpointFilter((context, next) => context.HttpContext.Connection.LocalPort == settings.AdminPort
                ? next(context)
                : ValueTask.FromResult<object?>(Error(StatusCodes.Status404NotFound, "not found")));

        // Members as this node sees them; each app's owner from its own actor.
        api.MapGet("/cluster", async (ActorSystem system, IRequiredActor<AppActor> apps, HttpContext context) =>
            Results.Json(ClusterView.Of(system, ClusterView.ControlUp(system)
                ? await ListAsync(apps, system, settings, context.RequestAborted) : null), ApiJson.Options));
        api.MapGet("/apps", async (IRequiredActor<AppActor> apps, ActorSystem system, HttpContext context) =>
            ToResult(await ListAsync(apps, system, settings, context.RequestAborted)));
        api.MapGet("/apps/{app}", (string app, IRequiredActor<AppActor> apps) =>
            Reply(apps, new GetApp(app)));
        palettes(api);
        api.MapPost("/apps/{app}/deployments", Upload).WithMetadata(UploadEndpoint.Instance);
        api.MapGet("/apps/{app}/deployments", (string app, IRequiredActor<AppActor> apps) =>
            Reply(apps, new GetDeployments(app)));
        api.MapGet("/deployments/{id}", (string id, IRequiredActor<AppActor> apps) =>
            DeploymentAsk(apps, id, view => Results.Json(view, ApiJson.Options)));
        api.MapGet("/deployments/{id}/logs", (string id, long? offset, IRequiredActor<AppActor> apps) =>
            Logs(apps, id, offset ?? 0));
        api.MapGet("/deployments/{id}/wait", (string id, string? status, long? offset, double? timeout, HttpContext context,
                IRequiredActor<AppActor> apps, ActorSystem system, IHostApplicationLifetime lifetime) =>
            WaitForChange(apps, system, id, status, offset ?? 0,
                TimeSpan.FromSeconds(Math.Clamp(timeout ?? DefaultWait.TotalSeconds, 0, MaxWait.TotalSeconds)),
                CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping)));
        api.MapGet("/apps/{app}/releases", (string app, IRequiredActor<AppActor> apps) =>
            Reply(apps, new GetReleases(app)));
        api.MapPost("/apps/{app}/rollbacks", async (string app, RollbackRequest request, HttpContext context, IRequiredActor<AppActor> apps) =>
        {
            if (request.To is { } to && to < 1) return Error(StatusCodes.Status400BadRequest, $"no version v{to}: versions start at v1");
            var reply = await AskRaw(apps, new RollbackApp(app, request.To, request.SkipHook == true, request.CurrentEnv == true,
                Caller.Of(context, settings)), QueueTimeout);
            return reply is DeploymentView view ? Results.Json(view, ApiJson.Options, statusCode: StatusCodes.Status201Created) : ToResult(reply);
        });
        api.MapGet("/apps/{app}/logs", AppLogs);
        api.MapRuns(settings);
        api.MapControls(settings);
        api.MapGet("/apps/{app}/env", (string app, IRequiredActor<AppActor> apps) =>
            Reply(apps, new GetEnv(app)));
        api.MapPatch("/apps/{app}/env", async (string app, EnvChange change, HttpContext context, IRequiredActor<AppActor> apps) =>
            ToResult(await CreateAsync(apps, new ChangeEnv(app, change.Set ?? [], change.Unset ?? [], Caller.Of(context, settings)), settings)));
        api.MapGet("/apps/{app}/formation", (string app, IRequiredActor<AppActor> apps) =>
            Reply(apps, new GetFormation(app)));
        // A scale answers once its new containers are up (an image pull may come first): as long as the scale may take.
        api.MapPatch("/apps/{app}/formation", (string app, ScaleChange change, HttpContext context, IRequiredActor<AppActor> apps) =>
            Reply(apps, new ScaleApp(app, change.Formation ?? [], Caller.Of(context, settings)), settings.DeploymentTimeout));
        // The app asks its workers' Docker engines.
        api.MapGet("/apps/{app}/ps", async (string app, IRequiredActor<AppActor> apps) =>
        {
            var found = await AskRaw(apps, new GetRevivals(app));
            if (found is not RevivalsView restarts) return ToResult(found);
            var listed = await AskRaw(apps, new ListContainers(app));
            if (listed is not ContainersListed { Error: null } containers)
                return listed is ContainersListed { Error: { } error } ? Error(StatusCodes.Status503ServiceUnavailable, error) : ToResult(listed);
            return Results.Json(containers.Containers.OrderBy(c => c.Version).ThenBy(c => c.Slot).Select(c =>
            {
                var r = restarts.Restarts.GetValueOrDefault(AppState.RevivalKey(c.DeploymentId, c.Slot));
                return new ContainerView(c.Type, c.Slot, c.Version, c.State, c.DeploymentId, c.Id[..12], c.Name,
                    r?.Count ?? 0, r?.LastExitCode, c.Worker ?? containers.Worker);
            }), ApiJson.Options);
        });
        api.MapGet("/apps/{app}/audit", async (string app, IRequiredActor<AppActor> apps, ActorSystem system,
            JournalSettings journal, HttpContext context) =>
        {
            // Apps registered by the registry that came before have their registration in its stream.
            var registration = AppName.Validate(app) is null
                ? await AppListing.LegacyRegistrationAsync(system, journal, app, context.RequestAborted) : null;
            var found = await AskRaw(apps, new GetAuditSources(app, registration));
            return found is AuditSources sources
                ? Results.Json(await AuditLog.ForAppAsync(new JournalReader(system, journal), sources, context.RequestAborted), ApiJson.Options)
                : ToResult(found);
        });
    }

    private static async Task<IResult> Upload(string app, HttpContext context, AdminSettings settings,
        IRequiredActor<AppActor> apps, ActorSystem system)
    {
        var request = context.Request;
        if (AppName.Validate(app) is { } invalid) return Error(StatusCodes.Status400BadRequest, invalid);
        var key = request.Headers[ApiJson.IdempotencyKeyHeader].ToString() is { Length: > 0 } sent ? sent : null;
        if (key is not null && (key.Length > MaxIdempotencyKeyLength || key.Any(c => c is < '!' or > '~')))
            return Error(StatusCodes.Status400BadRequest,
                $"{ApiJson.IdempotencyKeyHeader} must be 1-{MaxIdempotencyKeyLength} visible ASCII characters");
        // Stored here, whichever node owns the app: its build copies it from this node (UploadsActor).
        if (!ClusterView.ControlUp(system))
            return Error(StatusCodes.Status503ServiceUnavailable, "no control node is up in the cluster: nothing can be deployed now");
        // A browser can send text/plain across origins without a preflight; the CLI sends application/x-tar.
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type) || type.MediaType != ApiJson.UploadContentType)
            return Error(StatusCodes.Status415UnsupportedMediaType,
                $"an upload must be a tar archive sent as {ApiJson.UploadContentType} (got '{request.ContentType}')");
        var limit = settings.MaxUploadBytes;
        if (request.ContentLength > limit) return TooLarge(request.ContentLength.Value, limit);
        // Kestrel's minimum data rate cut legitimate uploads on a loaded machine; a stall bound and a deadline replace it.
        if (context.Features.Get<IHttpMinRequestBodyDataRateFeature>() is { } rate) rate.MinDataRate = null;
        var path = settings.NewUploadPath();
        var partial = settings.IncomingPath(path);
        try
        {
            FileStream file;
            try { file = File.Create(partial); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return Error(StatusCodes.Status500InternalServerError, $"cannot store the upload in {settings.IncomingDir}: {ErrorText.Of(e)}");
            }
            long total = 0;
            await using (file)
            {
                var buffer = new byte[81920];
                var deadline = DateTimeOffset.UtcNow + settings.UploadTimeout;
                using var stall = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
                while (true)
                {
                    var left = deadline - DateTimeOffset.UtcNow;
                    stall.CancelAfter(left < settings.UploadIdleTimeout ? left : settings.UploadIdleTimeout);
                    int read;
                    try { read = await request.Body.ReadAsync(buffer, stall.Token); }
                    catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
                    {
                        return Error(StatusCodes.Status408RequestTimeout, DateTimeOffset.UtcNow >= deadline
                            ? $"the upload did not finish within {settings.UploadTimeout.TotalSeconds} s"
                            : $"the upload stalled: no data for {settings.UploadIdleTimeout.TotalSeconds} s");
                    }
                    catch (BadHttpRequestException e)
                    {
                        return Error(e.StatusCode, $"the upload was cut off: {e.Message}");
                    }
                    if (read == 0) break;
                    total += read;
                    if (total > limit) return TooLarge(total, limit);
                    await file.WriteAsync(buffer.AsMemory(0, read));
                }
            }
            if (total == 0) return Error(StatusCodes.Status400BadRequest, "the upload is empty: send the app directory as a tar archive");
            File.Move(partial, path); // accepted: from here on the deployment owns it
        }
        finally
        {
            try { File.Delete(partial); } // a partial upload never stays, whatever cut it off
            catch (IOException) { } // its directory is gone: so is the file
        }
        var reply = await CreateAsync(apps, new CreateDeployment(app, path, Akka.Cluster.Cluster.Get(system).SelfAddress.ToString(),
            Caller.Of(context, settings), key), settings, QueueTimeout);
        // After a timeout the deployment may still be created and need it; a repeat's archive is nobody's.
        if (reply is AppError or DeploymentRepeated) File.Delete(path);
        return reply switch
        {
            DeploymentView view => Results.Json(view, ApiJson.Options, statusCode: StatusCodes.Status201Created),
            DeploymentRepeated repeated => Results.Json(repeated.View, ApiJson.Options),
            _ => ToResult(reply),
        };
    }

    /// <summary>`engine logs`: JSON lines, as the workers' Docker engines give them (<see cref="AppLogsActor"/>); following,
    /// until the client goes. A reader slower than the containers loses the oldest lines past 10,000, and is told.</summary>
    private static async Task<IResult> AppLogs(string app, int? lines, string? type, string? container, string? since, bool? follow,
        HttpContext context, IRequiredActor<AppActor> apps, ActorSystem system)
    {
        var tail = lines ?? LogOptions.DefaultLines;
        DateTimeOffset? from = since is null ? null : LogOptions.Since(since, DateTimeOffset.UtcNow);
        var invalid = LogOptions.ValidateLines(tail)
            ?? (since is not null && from is null ? LogOptions.SinceError(since) : null)
            ?? (type is not null && type != ReadAppLogs.OneOff && !Procfile.IsValidName(type) ? $"invalid process type '{type}'" : null)
            ?? (container is not null && !System.Text.RegularExpressions.Regex.IsMatch(container, "^[a-z0-9_-]+-[0-9]+$")
                ? $"invalid container '{container}': expected a slot such as web-1" : null);
        if (invalid is not null) return Error(StatusCodes.Status400BadRequest, invalid);
        if (await AskRaw(apps, new GetApp(app)) is var found and not AppView) return ToResult(found);
        if (ClusterWorkers.Instance.Up(system).Count == 0)
            return Error(StatusCodes.Status503ServiceUnavailable, "no worker node is up to ask its Docker engine");

        var dropped = 0;
        var channel = Channel.CreateBounded<AppLogLine>(new BoundedChannelOptions(LogOptions.MaxLines) { FullMode = BoundedChannelFullMode.DropOldest },
            _ => Interlocked.Increment(ref dropped));
        var reader = system.ActorOf(AppLogsActor.Props(new ReadAppLogs(app, type, container, tail, from, follow == true),
            ClusterWorkers.Instance, channel.Writer));
        context.Response.ContentType = "application/x-ndjson; charset=utf-8";
        try
        {
            await context.Response.StartAsync(context.RequestAborted);
            await foreach (var line in channel.Reader.ReadAllAsync(context.RequestAborted))
            {
                if (Interlocked.Exchange(ref dropped, 0) is > 0 and var lost)
                    await WriteLine(context, line with { Stream = "stderr", Text = $"[{lost} line(s) dropped: this reader was slower than the containers]" });
                await WriteLine(context, line);
                if (channel.Reader.Count == 0) await context.Response.Body.FlushAsync(context.RequestAborted);
            }
        }
        catch (OperationCanceledException) { } // the client went
        catch (InvalidOperationException e) // what the workers could not read
        {
            await WriteLine(context, new AppLogLine(DateTimeOffset.UtcNow, "-", "-", "-", "stderr", $"error: {e.Message}", "-"));
        }
        finally
        {
            system.Stop(reader);
        }
        return Results.Empty;
    }

    private static Task WriteLine(HttpContext context, AppLogLine line) =>
        context.Response.Body.WriteAsync(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(line, ApiJson.LineOptions)
            .Append((byte)'\n').ToArray(), context.RequestAborted).AsTask();

    private static IResult TooLarge(long size, long limit) => Error(StatusCodes.Status413PayloadTooLarge,
        $"the upload is over the size limit of {limit} bytes ({size}+ bytes sent)");

    /// <summary>From the node that runs the deployment, chunk by chunk, to the end of what it has written.</summary>
    internal static async Task<IResult> Logs(IRequiredActor<AppActor> apps, string id, long offset)
    {
        if (DeploymentId.Validate(id) is { } invalid) return Error(StatusCodes.Status400BadRequest, invalid);
        var app = DeploymentId.Parse(id)!.Value.App;
        using var text = new MemoryStream();
        for (var next = Math.Max(0, offset); ;)
        {
            var reply = await AskRaw(apps, new ReadDeploymentLog(app, id, next));
            if (reply is not FileChunk chunk) return ToResult(reply);
            text.Write(chunk.Data);
            next += chunk.Data.Length;
            if (chunk.Last || chunk.Data.Length == 0) return new LogChunk(text.ToArray(), next);
        }
    }

    private sealed class LogChunk(byte[] data, long next) : IResult
    {
        public Task ExecuteAsync(HttpContext context)
        {
            context.Response.Headers["X-Next-Offset"] = next.ToString();
            context.Response.ContentType = "text/plain; charset=utf-8";
            return context.Response.Body.WriteAsync(data).AsTask();
        }
    }

    private static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(60);

    /// <summary>A long poll (the CLI's wait for a deployment): answers the deployment once its status differs from
    /// <paramref name="status"/>, its log holds more than <paramref name="offset"/> bytes or it has finished, else
    /// after <paramref name="wait"/> (or when the client goes or the node stops) with its state as it is then.</summary>
    private static async Task<IResult> WaitForChange(IRequiredActor<AppActor> apps,
        ActorSystem system, string id, string? status, long offset, TimeSpan wait, CancellationTokenSource until)
    {
        using var _ = until;
        if (DeploymentId.Validate(id) is { } invalid) return Error(StatusCodes.Status400BadRequest, invalid);
        var app = DeploymentId.Parse(id)!.Value.App;
        using var changes = DeploymentChangeWaiter.Subscribe(system, id);
        // The deployment runs on its app's node, wherever that is: the waiter hears its changes there.
        var watching = await AskRaw(apps, new WatchDeployment(app, id, changes.Waiter));
        if (watching is not WatchingDeployment { LogLength: var logLength }) return ToResult(watching);
        var reply = await AskRaw(apps, new GetDeployment(app, id));
        if (reply is DeploymentView view && view.Status == status && !DeploymentStatus.IsTerminal(view.Status) && logLength <= offset)
        {
            until.CancelAfter(wait);
            try { await changes.Woken.WaitAsync(until.Token); }
            catch (OperationCanceledException) { } // the deadline: answer the state as it is
            reply = await AskRaw(apps, new GetDeployment(app, id));
        }
        return reply is DeploymentView found ? Results.Json(found, ApiJson.Options) : ToResult(reply);
    }

    private static async Task<IResult> DeploymentAsk(IRequiredActor<AppActor> apps, string id,
        Func<DeploymentView, IResult> onFound)
    {
        if (DeploymentId.Validate(id) is { } invalid) return Error(StatusCodes.Status400BadRequest, invalid);
        var parsed = DeploymentId.Parse(id)!.Value;
        var reply = await AskRaw(apps, new GetDeployment(parsed.App, id));
        return reply is DeploymentView view ? onFound(view) : ToResult(reply);
    }

    internal static async Task<IResult> Reply(IRequiredActor<AppActor> apps, object message, TimeSpan? timeout = null) =>
        ToResult(await AskRaw(apps, message, timeout));

    /// <summary>The apps, or why they could not all be listed (as <see cref="AskRaw{TActor}"/> answers).</summary>
    internal static async Task<object> ListAsync(IRequiredActor<AppActor> apps, ActorSystem system, AdminSettings settings,
        CancellationToken ct)
    {
        try
        {
            return await AppListing.ListAsync(await apps.GetAsync(ct), system, settings, ct);
        }
        catch (AskTimeoutException e)
        {
            return new Status.Failure(e);
        }
    }

    /// <summary>A message that may create its app. While the journal takes no write, sharding cannot journal a new app's
    /// start and nobody answers: then the caller hears why.</summary>
    internal static async Task<object> CreateAsync(IRequiredActor<AppActor> apps, ICreatesApp message, AdminSettings settings,
        TimeSpan? timeout = null)
    {
        var reply = await AskRaw(apps, message, timeout);
        return reply is Status.Failure { Cause: AskTimeoutException }
               && await JournalDatabase.UnwritableAsync(settings.Journal, CancellationToken.None) is { } unwritable
            ? AppError.JournalUnwritable(unwritable)
            : reply;
    }

    /// <summary>An app message goes straight to the app's entity (the shard region, or its proxy on a node that is not a
    /// control node), once its name is known to be one an entity can have.</summary>
    internal static async Task<object> AskRaw<TActor>(IRequiredActor<TActor> apps, object message, TimeSpan? timeout = null)
    {
        if (message is IAppMessage { App: var app } && AppName.Validate(app) is { } invalid) return new AppError(invalid);
        try
        {
            return await (await apps.GetAsync()).Ask<object>(message, timeout ?? AskTimeout);
        }
        catch (AskTimeoutException e)
        {
            return new Status.Failure(e);
        }
    }

    internal static IResult ToResult(object reply) => reply switch
    {
        AppError { NotFound: true } e => Error(StatusCodes.Status404NotFound, e.Error),
        AppError { Unavailable: true } e => Error(StatusCodes.Status503ServiceUnavailable, e.Error),
        AppError { Conflict: true } e => Error(StatusCodes.Status409Conflict, e.Error),
        AppError { Locked: true } e => Error(StatusCodes.Status423Locked, e.Error),
        AppError e => Error(StatusCodes.Status400BadRequest, e.Error),
        Status.Failure { Cause: AskTimeoutException } => Error(StatusCodes.Status503ServiceUnavailable, "the engine did not answer in time"),
        Status.Failure f => Error(StatusCodes.Status500InternalServerError, ErrorText.Of(f.Cause)),
        IListReply list => Results.Json(list.Items, ApiJson.Options),
        _ => Results.Json(reply, ApiJson.Options),
    };

    internal static IResult Error(int status, string message) => ApiError.Response(status, message);
}
