using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Engine.Api;
using Engine.Protocol;

namespace Engine.Cli;

/// <summary>`engine checks APP [--path /up] [--port-from $PORT] [--interval 5s] [--timeout 2s] [--healthy 1] [--unhealthy 3]`,
/// `engine checks APP --off`: shows or sets the app's HTTP checks, which apply from its next deployment on.</summary>
internal static class ChecksCli
{
    public static Command Command()
    {
        var app = new Argument<string>("app") { Description = "App name" };
        var path = new Option<string>("--path") { Description = "The path GET asks (default /up)" };
        var portFrom = new Option<string>("--port-from") { Description = "Where the port comes from: $PORT, the port the router uses" };
        var interval = new Option<string>("--interval") { Description = "Between checks once it is up (default 5s)" };
        var timeout = new Option<string>("--timeout") { Description = "How long one answer may take (default 2s)" };
        var healthy = new Option<int?>("--healthy") { Description = "Good answers in a row that put a container back in the route (default 1)" };
        var unhealthy = new Option<int?>("--unhealthy") { Description = "Failures in a row that take it out (default 3)" };
        var off = new Option<bool>("--off") { Description = "No HTTP checks: a web container is up once it accepts TCP on $PORT" };
        var json = CliApp.JsonOption();
        var server = CliApp.ServerOption();
        var token = CliApp.TokenOption();
        var cmd = new Command("checks", "Show or set the app's HTTP health checks (from its next deployment on): a web container is up "
            + "once GET PATH on its $PORT answers 2xx or 3xx")
            { app, path, portFrom, interval, timeout, healthy, unhealthy, off, json, server, token };
        cmd.SetAction(parse => CliApp.Guard(async () =>
        {
            var name = parse.GetValue(app)!;
            if (AppName.Validate(name) is { } invalid) throw new CliException(invalid, 2);
            double? Seconds(Option<string> option) => parse.GetValue(option) is not { } text ? null
                : LogOptions.Span(text)?.TotalSeconds ?? throw new CliException($"{option.Name} takes a duration such as 2s or 1m, got '{text}'", 2);
            var given = new object?[] { parse.GetValue(path), parse.GetValue(portFrom), parse.GetValue(interval), parse.GetValue(timeout),
                parse.GetValue(healthy), parse.GetValue(unhealthy) }.Any(v => v is not null);
            if (parse.GetValue(off) && given) throw new CliException("--off takes no other option", 2);
            using var client = CliApp.Connect(parse, server, token);
            var route = $"api/apps/{EngineClient.Segment(name)}";
            var view = !given && !parse.GetValue(off) ? await client.GetJsonAsync(route)
                : await client.PatchJsonAsync(route + "/checks", new ChecksChange(parse.GetValue(path), Seconds(interval), Seconds(timeout),
                    parse.GetValue(healthy), parse.GetValue(unhealthy), parse.GetValue(portFrom), parse.GetValue(off) ? true : null),
                    ApiJsonContext.Default.ChecksChange);
            var checks = view.GetProperty("checks");
            if (parse.GetValue(json)) CliApp.Print(checks);
            else if (checks.ValueKind != JsonValueKind.Object)
                Console.WriteLine($"{name}: no HTTP checks (a web container is up once it accepts TCP on $PORT)");
            else
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{name}: GET {checks.GetProperty("path").GetString()} on $PORT, every {Span(checks, "interval")}, ")
                    + $"timeout {Span(checks, "timeout")}, {checks.GetProperty("healthy").GetInt32()} good to rejoin, "
                    + $"{checks.GetProperty("unhealthy").GetInt32()} failed to leave the route (from the next deployment on)");
            return 0;
        }));
        return cmd;
    }

    /// <summary>A TimeSpan as the API writes it ("00:00:05"), as 5s.</summary>
    private static string Span(JsonElement checks, string name) =>
        TimeSpan.Parse(checks.GetProperty(name).GetString()!, CultureInfo.InvariantCulture).TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + "s";
}
