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
