using System.Net.WebSockets;
using System.Text.Json;
using System.Threading.Channels;
using Akka.Actor;
using Akka.Hosting;
using Engine.Api;
using Engine.Apps;
using Engine.Protocol;
using Engine.Runs;

namespace Engine.Admin;

/// <summary>`engine run`: start, list and stop an app's one-off runs; an attached client's streams over a WebSocket.</summary>
public static class RunEndpoints
{
    /// <summary>Signals an attached client may send (Ctrl-C without a terminal is INT).</summary>
    private static readonly HashSet<string> Signals = ["INT", "TERM", "HUP", "QUIT", "KILL", "USR1", "USR2", "WINCH"];
    /// <summary>A process may leave its input unread a long while (a pipe is full until it reads): as long as a run may
    /// go without output.</summary>
    private static readonly TimeSpan InputTakeTimeout = RunOptions.DefaultTimeout;
    private static readonly TimeSpan CloseLimit = TimeSpan.FromSeconds(5);
    /// <summary>A detached run answers once its container runs, which may take an image's first start.</summary>
    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(2);

    public static void MapRuns(this RouteGroupBuilder api, AdminSettings settings)
    {
        api.MapPost("/apps/{app}/runs", async (string app, RunRequest request, HttpContext context, IRequiredActor<AppActor> apps) =>
        {
            var timeout = request.TimeoutSeconds is { } s ? TimeSpan.FromSeconds(s) : RunOptions.DefaultTimeout;
            var invalid = request.Command is not { Count: > 0 } command || command.All(string.IsNullOrWhiteSpace) ? "no command to run"
                : RunOptions.ValidateTimeout(timeout);
            if (invalid is not null) return AdminApi.Error(StatusCodes.Status400BadRequest, invalid);
            var reply = await AdminApi.AskRaw(apps, new StartRun(app, RunOptions.CommandLine(request.Command!), request.Env ?? [],
                request.Detach == true, request.Tty == true, timeout, Caller.Of(context, settings)), StartTimeout);
            return reply is RunView view ? Results.Json(view, ApiJson.Options, statusCode: StatusCodes.Status201Created) : AdminApi.ToResult(reply);
        });
        api.MapGet("/apps/{app}/runs", (string app, IRequiredActor<AppActor> apps) => AdminApi.Reply(apps, new GetRuns(app)));
        api.MapDelete("/apps/{app}/runs/{number:int}", (string app, int number, HttpContext context, IRequiredActor<AppActor> apps) =>
            AdminApi.Reply(apps, new StopRun(app, number, Caller.Of(context, settings)), StartTimeout));
        api.Map("/apps/{app}/runs/{number:int}/attach", Attach);
    }

    /// <summary>Binary frames carry the streams (client to node: stdin; node to client: the stream's byte, then the
    /// data); text frames carry JSON: <see cref="RunControl"/> from the client, <see cref="RunFrame"/> from the node.</summary>
    private static async Task<IResult> Attach(string app, int number, int? width, int? height, HttpContext context,
        IRequiredActor<AppActor> apps, ActorSystem system)
    {
        if (!context.WebSockets.IsWebSocketRequest)
            return AdminApi.Error(StatusCodes.Status400BadRequest, "attaching to a run takes a WebSocket upgrade");
        if (AppName.Validate(app) is { } invalid) return AdminApi.Error(StatusCodes.Status400BadRequest, invalid);
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var events = Channel.CreateUnbounded<(object Message, IActorRef From)>();
        var session = system.ActorOf(RunSessionActor.Props(events.Writer));
        var attached = new TaskCompletionSource<IActorRef>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var gone = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        try
        {
            // From the session: an answer for the app itself (not found, down) reaches the client too.
            (await apps.GetAsync()).Tell(new AttachRun(app, number, session, width ?? 0, height ?? 0), session);
            // The client's side closing (or failing) ends the session, and with it the run.
            var input = RelayInputAsync(socket, attached.Task, gone.Token);
            _ = input.ContinueWith(_ => { try { gone.Cancel(); } catch (ObjectDisposedException) { } }, TaskScheduler.Default);
            await SendJson(socket, await RelayOutputAsync(socket, events.Reader, attached, gone.Token), gone.Token);
            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, gone.Token);
            // Until the client's close comes back: closing the connection before would lose output it has not read.
            await Task.WhenAny(input, Task.Delay(CloseLimit, gone.Token));
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException) { } // the client went away
        finally
        {
            gone.Cancel();
            system.Stop(session); // its run's actor watches it: the container goes with the client
        }
        return Results.Empty;
    }

    /// <summary>The run's output to the client, each chunk taken once sent; returns the closing message.</summary>
    private static async Task<RunFrame> RelayOutputAsync(WebSocket socket, ChannelReader<(object Message, IActorRef From)> events,
        TaskCompletionSource<IActorRef> attached, CancellationToken ct)
    {
        var frame = new byte[1 + 32 * 1024];
        await foreach (var (message, from) in events.ReadAllAsync(ct))
            switch (message)
            {
                case RunAttached a:
                    attached.TrySetResult(from);
                    await SendJson(socket, new RunFrame(Attached: a.Number), ct);
                    break;
                case RunOutput o:
                    frame[0] = o.Stderr ? RunOptions.Stderr : RunOptions.Stdout;
                    o.Data.CopyTo(frame, 1);
                    await socket.SendAsync(frame.AsMemory(0, 1 + o.Data.Length), WebSocketMessageType.Binary, true, ct);
                    from.Tell(RunOutputTaken.Instance);
                    break;
                case RunExited x:
                    return new RunFrame(Exit: x.ExitCode, Error: x.Error, End: true);
                case AppError e:
                    return new RunFrame(Error: e.Error, End: true);
                case Terminated:
                    return new RunFrame(Error: "the run's worker node or its app's owner went away", End: true);
            }
        return new RunFrame(Error: "the session ended", End: true);
    }

    /// <summary>The client's input, signals and terminal size to the run, once it is attached.</summary>
    private static async Task RelayInputAsync(WebSocket socket, Task<IActorRef> attached, CancellationToken ct)
    {
        var buffer = new byte[32 * 1024];
        while (socket.State == WebSocketState.Open)
        {
            var received = await socket.ReceiveAsync(buffer, ct);
            if (received.MessageType == WebSocketMessageType.Close) break;
            var data = buffer[..received.Count];
            var run = await attached.WaitAsync(ct);
            if (received.MessageType == WebSocketMessageType.Binary)
            {
                await run.Ask<RunInputTaken>(new RunInput(data), InputTakeTimeout, ct);
                continue;
            }
            RunControl? control;
            try { control = JsonSerializer.Deserialize<RunControl>(data, ApiJson.Options); }
            catch (JsonException) { continue; } // not a control frame: ignored, as an unknown one is
            if (control?.Signal is { } signal && Signals.Contains(signal)) run.Tell(new RunSignal(signal));
            else if (control?.Resize is [> 0 and var w, > 0 and var h]) run.Tell(new RunResize(w, h));
            else if (control?.Eof == true) await run.Ask<RunInputTaken>(new RunInput([]), InputTakeTimeout, ct);
        }
        // The client closed its side: its run goes with it (the caller stops the session).
        throw new OperationCanceledException();
    }

    private static Task SendJson(WebSocket socket, RunFrame message, CancellationToken ct) =>
        socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes(message, ApiJson.Options), WebSocketMessageType.Text, true, ct);
}
