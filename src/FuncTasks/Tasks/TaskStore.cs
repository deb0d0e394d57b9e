using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using FuncTasks.Api;
using FuncTasks.Storage;

namespace FuncTasks.Tasks;

public sealed record TaskQuery(bool? Enabled, TaskType? TaskType, IReadOnlyList<string> Tags);

/// <summary>
/// Tasks in Azure Table storage: one partition, RowKey = the ULID, so a read by id is a point read
/// and RowKey order is creation order.
/// </summary>
public sealed class TaskStore(StorageAccount storage)
{
    private const string Partition = "task";
    private readonly TableClient table = storage.Tasks;

    public async Task<Versioned<TaskDefinition>?> CreateAsync(TaskDefinition task, CancellationToken cancellationToken) =>
        await VersionedRows.TryAddAsync(table, ToEntity(task), cancellationToken) is { } version ? new Versioned<TaskDefinition>(task, version) : null;

    public async Task<Versioned<TaskDefinition>?> GetAsync(string id, CancellationToken cancellationToken)
    {
        var response = await table.GetEntityIfExistsAsync<TableEntity>(Partition, id, cancellationToken: cancellationToken);
        return response.HasValue ? new Versioned<TaskDefinition>(FromEntity(response.Value!), response.Value!.ETag) : null;
    }

    /// <summary>Replaces the task if it is still at <paramref name="expected"/>.</summary>
    public Task<(WriteOutcome Outcome, ETag Version)> ReplaceAsync(TaskDefinition task, ETag expected, CancellationToken cancellationToken) =>
        VersionedRows.ReplaceAsync(table, ToEntity(task), expected, cancellationToken);

    public Task<WriteOutcome> DeleteAsync(string id, ETag expected, CancellationToken cancellationToken) =>
        VersionedRows.DeleteAsync(table, Partition, id, expected, cancellationToken);

    public Task<ListPage<TaskDefinition>> ListAsync(TaskQuery query, PageRequest page, CancellationToken cancellationToken)
    {
        var filters = new List<string>();
        if (query.Enabled is { } enabled)
        {
            filters.Add(TableClient.CreateQueryFilter($"Enabled eq {enabled}"));
        }

        if (query.TaskType is { } type)
        {
            filters.Add(TableClient.CreateQueryFilter($"TaskType eq {EnumNames.ToSnake(type)}"));
        }

        return TablePager.ReadAsync(table, Partition, string.Join(" and ", filters), page, entity =>
        {
            var task = FromEntity(entity);
            return query.Tags.All(tag => task.Tags.Contains(tag, StringComparer.Ordinal)) ? task : null;
        }, cancellationToken);
    }

    /// <summary>Every task, in creation order (for the sweep and the orphan report).</summary>
    public async IAsyncEnumerable<Versioned<TaskDefinition>> ScanAsync(
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {Partition}");
        await foreach (var entity in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            yield return new Versioned<TaskDefinition>(FromEntity(entity), entity.ETag);
        }
    }

    private static TableEntity ToEntity(TaskDefinition task) => new(Partition, task.Id)
    {
        ["Command"] = task.Command,
        ["TaskType"] = EnumNames.ToSnake(task.TaskType),
        ["Params"] = task.Params is { } p ? p.GetRawText() : null,
        ["Env"] = JsonSerializer.Serialize(task.Env),
        ["Enabled"] = task.Enabled,
        ["Tags"] = JsonSerializer.Serialize(task.Tags),
        ["TimeoutSeconds"] = task.TimeoutSeconds,
        ["Retry"] = task.Retry is null ? null : JsonSerializer.Serialize(task.Retry, ApiJson.Options),
        ["CreatedAt"] = task.CreatedAt,
        ["UpdatedAt"] = task.UpdatedAt,
        ["DisabledReason"] = task.DisabledReason,
    };

    private static TaskDefinition FromEntity(TableEntity entity) => new(
        entity.RowKey,
        entity.GetString("Command"),
        entity.GetString("TaskType") == "shell" ? TaskType.Shell : TaskType.Function,
        entity.GetString("Params") is { } p ? JsonDocument.Parse(p).RootElement.Clone() : null,
        JsonSerializer.Deserialize<Dictionary<string, string>>(entity.GetString("Env") ?? "{}") ?? [],
        entity.GetBoolean("Enabled") ?? true,
        JsonSerializer.Deserialize<List<string>>(entity.GetString("Tags") ?? "[]") ?? [],
        entity.GetInt32("TimeoutSeconds"),
        entity.GetString("Retry") is { } r ? JsonSerializer.Deserialize<RetryPolicy>(r, ApiJson.Options) : null,
        entity.GetDateTimeOffset("CreatedAt") ?? entity.Timestamp ?? default,
        entity.GetDateTimeOffset("UpdatedAt") ?? entity.Timestamp ?? default)
    {
        DisabledReason = entity.GetString("DisabledReason"),
    };
}
