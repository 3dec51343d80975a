using System.CommandLine;
using System.Text.Json;
using Engine.Api;
using Engine.Protocol;

namespace Engine.Cli;

/// <summary>`engine maintenance APP [on|off] [--message TEXT] [--retry-after SECONDS]`: shows or sets the app's maintenance
/// mode, in which every router answers its requests with 503 and the message.</summary>
internal static class MaintenanceCli
{
    public static Command Command()
    {
        var app = new Argument<string>("app") { Description = "App name" };
        var state = new Argument<string?>("state") { Description = "on or off (none: show it)", Arity = ArgumentArity.ZeroOrOne };
        var message = new Option<string>("--message") { Description = "What the page says while on" };
        var retryAfter = new Option<int?>("--retry-after") { Description = "Seconds the Retry-After header tells clients to wait (default 300)" };
        var json = CliApp.JsonOption();
        var server = CliApp.ServerOption();
        var token = CliApp.TokenOption();
        var cmd = new Command("maintenance", "Show maintenance mode, or turn it on or off: while on, every router answers the app's "
            + "requests with 503 and Retry-After; its containers keep running and deployments still switch")
            { app, state, message, retryAfter, json, server, token };
        cmd.SetAction(parse => CliApp.Guard(async () =>
        {
            var name = parse.GetValue(app)!;
            if (AppName.Validate(name) is { } invalid) throw new CliException(invalid, 2);
            var on = parse.GetValue(state) switch
            {
                null => (bool?)null,
                "on" => true,
                "off" => false,
                var other => throw new CliException($"expected on or off, got '{other}'", 2),
            };
            if (on != true && (parse.GetValue(message) is not null || parse.GetValue(retryAfter) is not null))
                throw new CliException("--message and --retry-after go with `on`", 2);
            using var client = CliApp.Connect(parse, server, token);
            var path = $"api/apps/{EngineClient.Segment(name)}";
            var view = on is { } turn
                ? await client.PatchJsonAsync(path + "/maintenance", new MaintenanceChange(turn, parse.GetValue(message), parse.GetValue(retryAfter)),
                    ApiJsonContext.Default.MaintenanceChange)
                : await client.GetJsonAsync(path);
            var mode = view.GetProperty("maintenance");
            if (parse.GetValue(json)) CliApp.Print(mode);
            else if (mode.ValueKind == JsonValueKind.Object)
                Console.WriteLine($"{name}: maintenance on (503, Retry-After: {mode.GetProperty("retry_after").GetInt32()}): "
                                  + mode.GetProperty("message").GetString());
            else Console.WriteLine($"{name}: maintenance off");
            return 0;
        }));
        return cmd;
    }
}
