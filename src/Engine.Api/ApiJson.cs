using System.ComponentModel;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Engine.Api;

/// <summary>The admin API's wire format, shared by the server and the CLI: snake_case, ISO 8601 times.</summary>
public static class ApiJson
{
    /// <summary>Who asks, as the CLI names them (the OS user); the node reads it in Admin/Caller.cs.</summary>
    public const string UserHeader = "X-Engine-User";

    public const int MaxUserLength = 64;

    /// <summary>What <see cref="UserHeader"/> may carry: ASCII only, as a look-alike letter (Cyrillic 'а' for 'a') would
    /// put another name in the audit's `by`.</summary>
    public static bool IsValidUser(string name) =>
        name.Length is > 0 and <= MaxUserLength && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '@' or '-');

    /// <summary>Sent with an upload, the same on the client's retries of it: the node answers a repeat with the deployment
    /// the first one made.</summary>
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    /// <summary>An app directory's upload: a tar archive.</summary>
    public const string UploadContentType = "application/x-tar";

    public static readonly JsonSerializerOptions Options = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    /// <summary>The same, on one line: a stream of JSON lines.</summary>
    public static readonly JsonSerializerOptions LineOptions = new(Options) { WriteIndented = false };

    public static JsonSerializerOptions Configure(JsonSerializerOptions o)
    {
        o.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
        o.DictionaryKeyPolicy = null;
        o.DefaultIgnoreCondition = JsonIgnoreCondition.Never;
        o.WriteIndented = true;
        o.Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping; // readable '+' in timestamps; the API is not HTML
        return o;
    }
}

/// <summary>The description is what a body that does not bind is told to look like (Admin.BindingError).</summary>
[Description("""{"set": {"KEY": "VALUE"}, "unset": ["KEY"]}""")]
public sealed record EnvChange(Dictionary<string, string>? Set, List<string>? Unset);

/// <summary>`engine scale`: containers per process type.</summary>
[Description("""{"formation": {"web": 2}}""")]
public sealed record ScaleChange(Dictionary<string, int>? Formation);

/// <summary>Restarts: how often the engine started the container again after its deployment; LastExitCode: the exit
/// code it found then; Worker: the node whose Docker engine runs it.</summary>
public sealed record ContainerView(string Type, string Name, string Version, string State, string Deployment, string Id,
    string DockerName, int Restarts, long? LastExitCode, string? Worker);

/// <summary>`engine rollback`: <paramref name="To"/> is the version number (null: the release before the routed one).</summary>
[Description("""{"to": 3, "skip_hook": false, "current_env": false}""")]
public sealed record RollbackRequest(int? To, bool? SkipHook, bool? CurrentEnv);

/// <summary>`engine maintenance APP on|off`: the message and Retry-After (seconds) the routers answer with while on.</summary>
[Description("""{"on": true, "message": "Back in 10 minutes", "retry_after": 600}""")]
public sealed record MaintenanceChange(bool? On, string? Message, int? RetryAfter);

/// <summary>`engine checks APP …`: what is given changes, the rest stays as set (or takes its default: /up, 5 s, 2 s, 1, 3);
/// <paramref name="Off"/> turns them off. <paramref name="PortFrom"/> can only be $PORT: checks go to the port the router
/// uses.</summary>
[Description("""{"path": "/up", "interval_seconds": 5, "timeout_seconds": 2, "healthy": 1, "unhealthy": 3}""")]
public sealed record ChecksChange(string? Path, double? IntervalSeconds, double? TimeoutSeconds, int? Healthy, int? Unhealthy,
    string? PortFrom = null, bool? Off = null);

/// <summary>`engine run`: <paramref name="Command"/> is the argv (one argument: a shell command line);
/// <paramref name="TimeoutSeconds"/> stops it after that long without output (default an hour).</summary>
[Description("""{"command": ["rake", "db:migrate"], "env": {"KEY": "VALUE"}, "detach": false, "tty": false, "timeout_seconds": 3600}""")]
public sealed record RunRequest(List<string>? Command, Dictionary<string, string>? Env, bool? Detach, bool? Tty, double? TimeoutSeconds);

/// <summary>A text frame from the node to an attached `engine run` client: attached (the run's number), then once at the
/// end the exit code, or the error when it did not simply exit.</summary>
public sealed record RunFrame(int? Attached = null, long? Exit = null, string? Error = null, bool End = false);

/// <summary>A text frame from an attached client: a signal for the process, the terminal's new size, or the end of input.</summary>
public sealed record RunControl(string? Signal = null, int[]? Resize = null, bool? Eof = null);
