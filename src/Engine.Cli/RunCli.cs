using System.CommandLine;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Runtime.InteropServices;
using System.Text.Json;
using Engine.Api;
using Engine.Protocol;

namespace Engine.Cli;

/// <summary>`engine run APP -- CMD…`: a one-off container of the routed release, attached (the default: stdin, stdout
/// and stderr through a WebSocket, the command's exit code as the CLI's) or detached; `engine run stop APP/one-off-N`.</summary>
internal static class RunCli
{
    public static Command Command()
    {
        var app = new Argument<string>("app") { Description = "App name" };
        var command = new Argument<string[]>("command") { Description = "The command and its arguments, after --", Arity = ArgumentArity.OneOrMore };
        var detach = new Option<bool>("--detach", "-d") { Description = "Run in the background: print its id; its output goes to the app's logs" };
        var env = new Option<string[]>("--env", "-e") { Description = "KEY=VALUE added to the app's env (repeatable)", AllowMultipleArgumentsPerToken = false };
        var timeout = new Option<string>("--timeout") { Description = "Stop it after this long without output (default 1h; 30s, 10m, 2h, 1d)" };
        var tty = new Option<bool>("--tty", "-t") { Description = "A terminal even when stdin is not one" };
        var noTty = new Option<bool>("--no-tty", "-T") { Description = "No terminal even when stdin is one" };
        var json = CliApp.JsonOption();
        var server = CliApp.ServerOption();
        var token = CliApp.TokenOption();
        var cmd = new Command("run", "Run a one-off command in a container of the routed release, with the app's env; exits with its exit code")
            { app, command, detach, env, timeout, tty, noTty, json, server, token };
        cmd.Add(Stop());
        cmd.SetAction((parse, ct) => CliApp.Guard(async () =>
        {
            var appName = parse.GetValue(app)!;
            if (AppName.Validate(appName) is { } invalid) throw new CliException(invalid, 2);
            var argv = parse.GetValue(command) ?? [];
            if (argv.Length == 0 || argv.All(string.IsNullOrWhiteSpace)) throw new CliException("no command to run: engine run APP -- CMD ARGS…", 2);
            var vars = new Dictionary<string, string>();
            foreach (var pair in parse.GetValue(env) ?? [])
                if (RunOptions.EnvPair(pair) is var (k, v) && EnvKey.Validate(k) is null) vars[k] = v;
                else throw new CliException($"--env takes KEY=VALUE with a valid name, got '{pair}'", 2);
            var limit = RunOptions.DefaultTimeout;
            if (parse.GetValue(timeout) is { } text && (LogOptions.Span(text) is not { } given || RunOptions.ValidateTimeout(limit = given) is not null))
                throw new CliException($"--timeout takes a duration such as 30s, 10m or 2h (at most {RunOptions.MaxTimeout.TotalDays:0}d), got '{text}'", 2);
            var terminal = !parse.GetValue(noTty) && (parse.GetValue(tty) || !Console.IsInputRedirected && !Console.IsOutputRedirected);
            using var client = CliApp.Connect(parse, server, token);
            var run = await client.PostJsonAsync($"api/apps/{EngineClient.Segment(appName)}/runs",
                new RunRequest([.. argv], vars, parse.GetValue(detach), terminal, limit.TotalSeconds), ApiJsonContext.Default.RunRequest);
            if (parse.GetValue(detach))
            {
                if (parse.GetValue(json)) CliApp.Print(run);
                else Console.WriteLine($"{run.GetProperty("id").GetString()} runs detached on {run.GetProperty("worker").GetString()}: "
                                       + "`engine logs` shows its output, `engine run stop` stops it");
                return 0;
            }
            return await AttachAsync(client, appName, run.GetProperty("number").GetInt32(), terminal, ct);
        }));
        return cmd;
    }

    private static Command Stop()
    {
        var id = new Argument<string>("id") { Description = "The run's id, e.g. hello/one-off-3" };
        var json = CliApp.JsonOption();
        var server = CliApp.ServerOption();
        var token = CliApp.TokenOption();
        var cmd = new Command("stop", "Stop a one-off run (SIGTERM, then SIGKILL after 10 s)") { id, json, server, token };
        cmd.SetAction(parse => CliApp.Guard(async () =>
        {
            var text = parse.GetValue(id)!;
            var (appName, number) = RunId.Parse(text)
                ?? throw new CliException($"a run's id looks like APP/{RunId.Type}-N (as `engine run --detach` prints it), got '{text}'", 2);
            using var client = CliApp.Connect(parse, server, token);
            var ended = await client.SendJsonAsync(HttpMethod.Delete, $"api/apps/{EngineClient.Segment(appName)}/runs/{number}");
            if (parse.GetValue(json)) CliApp.Print(ended);
            else Console.WriteLine($"{text} stopped ({ended.GetProperty("status").GetString()}"
                                   + (ended.GetProperty("exit_code") is { ValueKind: JsonValueKind.Number } code ? $", exit code {code}" : "") + ")");
            return 0;
        }));
        return cmd;
    }

    /// <summary>Streams both ways until the run ends; its exit code is the CLI's. With a terminal, stdin is raw (Ctrl-C
    /// is a byte the container's terminal turns into SIGINT); without one, Ctrl-C is sent as INT.</summary>
    private static async Task<int> AttachAsync(EngineClient client, string app, int number, bool terminal, CancellationToken ct)
    {
        var (width, height) = terminal ? Size() : (0, 0);
        using var socket = await client.WebSocketAsync($"api/apps/{EngineClient.Segment(app)}/runs/{number}/attach?width={width}&height={height}", ct);
        using var sending = new SemaphoreSlim(1, 1);
        async Task Send(ReadOnlyMemory<byte> data, WebSocketMessageType type)
        {
            await sending.WaitAsync(ct);
            try { await socket.SendAsync(data, type, true, ct); }
            finally { sending.Release(); }
        }
        Task Control(RunControl control) => Send(JsonSerializer.SerializeToUtf8Bytes(control, ApiJsonContext.Default.RunControl), WebSocketMessageType.Text);

        var saved = terminal ? Stty("-g")?.Trim() : null;
        if (saved is not null) Stty("raw -echo");
        ConsoleCancelEventHandler interrupt = (_, e) => { e.Cancel = true; _ = Control(new RunControl(Signal: "INT")); };
        if (!terminal) Console.CancelKeyPress += interrupt;
        using var resized = terminal && !OperatingSystem.IsWindows() ? PosixSignalRegistration.Create(PosixSignal.SIGWINCH, s =>
        {
            s.Cancel = true;
            var (w, h) = Size();
            _ = Control(new RunControl(Resize: [w, h]));
        }) : null;
        try
        {
            _ = PumpInputAsync(Send, Control, ct);
            return await ReadFramesAsync(socket, ct);
        }
        finally
        {
            if (!terminal) Console.CancelKeyPress -= interrupt;
            if (saved is not null) Stty(saved);
        }
    }

    private static async Task PumpInputAsync(Func<ReadOnlyMemory<byte>, WebSocketMessageType, Task> send, Func<RunControl, Task> control,
        CancellationToken ct)
    {
        try
        {
            using var stdin = Console.OpenStandardInput();
            var buffer = new byte[16 * 1024];
            int read;
            while ((read = await stdin.ReadAsync(buffer, ct)) > 0) await send(buffer.AsMemory(0, read), WebSocketMessageType.Binary);
            await control(new RunControl(Eof: true));
        }
        catch (Exception e) when (e is OperationCanceledException or WebSocketException or IOException or ObjectDisposedException) { }
    }

    /// <summary>The run's output to stdout and stderr as it comes; the end frame gives the exit code.</summary>
    private static async Task<int> ReadFramesAsync(ClientWebSocket socket, CancellationToken ct)
    {
        using var stdout = Console.OpenStandardOutput();
        using var stderr = Console.OpenStandardError();
        var buffer = new byte[64 * 1024];
        var message = new MemoryStream();
        while (true)
        {
            WebSocketReceiveResult received;
            try { received = await socket.ReceiveAsync(buffer, ct); }
            catch (WebSocketException e) { throw new CliException($"the connection to the engine broke before the run ended: {e.Message}", 1); }
            if (received.MessageType == WebSocketMessageType.Close)
                throw new CliException("the engine closed the connection before the run ended", 1);
            message.Write(buffer, 0, received.Count);
            if (!received.EndOfMessage) continue;
            var data = message.GetBuffer().AsMemory(0, (int)message.Length);
            message.SetLength(0);
            if (received.MessageType == WebSocketMessageType.Binary && data.Length > 0)
            {
                var to = data.Span[0] == RunOptions.Stderr ? stderr : stdout;
                await to.WriteAsync(data[1..], ct);
                await to.FlushAsync(ct);
                continue;
            }
            if (JsonSerializer.Deserialize(data.Span, ApiJsonContext.Default.RunFrame) is not { End: true } end) continue;
            if (end.Error is { } error) Console.Error.WriteLine($"\r\nerror: {error}");
            using (var limit = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
                try { await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, null, limit.Token); }
                catch (Exception e) when (e is OperationCanceledException or WebSocketException) { } // the run has ended: its answer is in
            return end.Exit is { } code ? (int)Math.Clamp(code, 0, 255) : 1;
        }
    }

    private static (int Width, int Height) Size()
    {
        try { return (Console.WindowWidth, Console.WindowHeight); }
        catch (IOException) { return (0, 0); }
    }

    /// <summary>stty on the CLI's own terminal; null when there is none.</summary>
    private static string? Stty(string arguments)
    {
        try
        {
            // -t without a terminal: stty has none to set, and says so on stderr.
            using var stty = Process.Start(new ProcessStartInfo("stty", arguments)
                { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false })!;
            var output = stty.StandardOutput.ReadToEnd();
            stty.StandardError.ReadToEnd();
            stty.WaitForExit();
            return stty.ExitCode == 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception) { return null; }
    }
}
