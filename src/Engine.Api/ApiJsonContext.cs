using System.Text.Json;
using System.Text.Json.Serialization;

namespace Engine.Api;

/// <summary>What the CLI serializes, generated at build time: the native client has no reflection to spare, and a JIT-ed
/// CLI skips the serializer's reflection set-up. The same wire format as <see cref="ApiJson"/>.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(List<Palette>))]
[JsonSerializable(typeof(EnvChange))]
[JsonSerializable(typeof(ScaleChange))]
[JsonSerializable(typeof(RollbackRequest))]
[JsonSerializable(typeof(RunRequest))]
[JsonSerializable(typeof(MaintenanceChange))]
[JsonSerializable(typeof(ChecksChange))]
[JsonSerializable(typeof(RunFrame))]
[JsonSerializable(typeof(RunControl))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(Dictionary<string, string>))]
public sealed partial class ApiJsonContext : JsonSerializerContext;
