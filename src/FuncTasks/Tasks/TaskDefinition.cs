using System.Text.Json;
using System.Text.Json.Serialization;

namespace FuncTasks.Tasks;

[JsonConverter(typeof(JsonStringEnumConverter<TaskType>))]
public enum TaskType
{
    Function,
    Shell,
}

/// <summary>How often, and how far apart, a failed job's work is tried again (Durable retry options).</summary>
public sealed record RetryPolicy(int MaxAttempts, double FirstDelaySeconds, double Backoff)
{
    public const double DefaultFirstDelaySeconds = 1;
    public const double DefaultBackoff = 2;
}

/// <summary>The writable fields of a task, as a client sends them on create and replace.</summary>
public sealed record TaskSpec(
    string Command,
    TaskType? TaskType,
    JsonElement? Params,
    IReadOnlyDictionary<string, string> Env,
    bool Enabled,
    IReadOnlyList<string> Tags,
    int? TimeoutSeconds,
    RetryPolicy? Retry);

/// <summary>A stored task: a registered task function or a shell command, with its defaults.</summary>
public sealed record TaskDefinition(
    string Id,
    string Command,
    TaskType TaskType,
    JsonElement? Params,
    IReadOnlyDictionary<string, string> Env,
    bool Enabled,
    IReadOnlyList<string> Tags,
    int? TimeoutSeconds,
    RetryPolicy? Retry,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    /// <summary>Why the app disabled this task (for example the sweep found its function gone); null otherwise.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? DisabledReason { get; init; }
}
