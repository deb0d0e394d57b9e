using System.Text.Json;
using Azure.Data.Tables;
using FuncTasks.Api;
using FuncTasks.Tasks;

namespace FuncTasks.Benchmarks.Store;

/// <summary>
/// The raw-SDK side: a task row as plain property values, already in the form TaskStore writes
/// (JSON text for params, env, tags and retry, snake_case type), so the raw calls do only what the
/// Azure SDK itself must do. Built once per sample task, outside any timing.
/// </summary>
internal sealed record RawTaskRow(
    string Command,
    string TaskType,
    string? Params,
    string Env,
    bool Enabled,
    string Tags,
    int? TimeoutSeconds,
    string? Retry,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string? DisabledReason)
{
    public const string Partition = "task";

    /// <summary>The same property values TaskStore writes for this task (checked against the store at start-up).</summary>
    public static RawTaskRow From(TaskDefinition task) => new(
        task.Command,
        EnumNames.ToSnake(task.TaskType),
        task.Params?.GetRawText(),
        JsonSerializer.Serialize(task.Env),
        task.Enabled,
        JsonSerializer.Serialize(task.Tags),
        task.TimeoutSeconds,
        task.Retry is null ? null : JsonSerializer.Serialize(task.Retry, ApiJson.Options),
        task.CreatedAt,
        task.UpdatedAt,
        task.DisabledReason);

    public TableEntity ToEntity(string id) => new(Partition, id)
    {
        ["Command"] = Command,
        ["TaskType"] = TaskType,
        ["Params"] = Params,
        ["Env"] = Env,
        ["Enabled"] = Enabled,
        ["Tags"] = Tags,
        ["TimeoutSeconds"] = TimeoutSeconds,
        ["Retry"] = Retry,
        ["CreatedAt"] = CreatedAt,
        ["UpdatedAt"] = UpdatedAt,
        ["DisabledReason"] = DisabledReason,
    };

    /// <summary>
    /// Reads every property of a row with the SDK's typed getters, as raw code that needs the task's
    /// data would; returns a checksum so the work cannot be skipped.
    /// </summary>
    public static int Read(TableEntity entity)
    {
        var command = entity.GetString("Command");
        var type = entity.GetString("TaskType");
        var parameters = entity.GetString("Params");
        var env = entity.GetString("Env");
        var enabled = entity.GetBoolean("Enabled") ?? true;
        var tags = entity.GetString("Tags");
        var timeout = entity.GetInt32("TimeoutSeconds");
        var retry = entity.GetString("Retry");
        var created = entity.GetDateTimeOffset("CreatedAt") ?? entity.Timestamp ?? default;
        var updated = entity.GetDateTimeOffset("UpdatedAt") ?? entity.Timestamp ?? default;
        var disabledReason = entity.GetString("DisabledReason");
        var etag = entity.ETag;
        return entity.RowKey.Length + (command?.Length ?? 0) + (type?.Length ?? 0) + (parameters?.Length ?? 0) + (env?.Length ?? 0)
            + (enabled ? 1 : 0) + (tags?.Length ?? 0) + (timeout ?? 0) + (retry?.Length ?? 0) + created.Second + updated.Second
            + (disabledReason?.Length ?? 0) + etag.GetHashCode();
    }
}
