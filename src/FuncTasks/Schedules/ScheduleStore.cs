using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using FuncTasks.Api;
using FuncTasks.Storage;

namespace FuncTasks.Schedules;

public sealed record ScheduleQuery(string? TaskId, bool? Enabled, IReadOnlyList<string> Tags);

/// <summary>
/// Schedules in Table storage, two rows each in one table: the definition (partition <c>schedule</c>, RowKey = the ULID,
/// so RowKey order is creation order) and the driver's state (partition <c>state</c>, same RowKey). Clients write the
/// first, the driver the second, each with optimistic concurrency.
/// </summary>
public sealed class ScheduleStore(StorageAccount storage)
{
    private const string DefinitionPartition = "schedule";
    private const string StatePartition = "state";
    private readonly TableClient table = storage.Schedules;

    public async Task<Versioned<ScheduleDefinition>?> CreateAsync(ScheduleDefinition schedule, CancellationToken cancellationToken) =>
        await VersionedRows.TryAddAsync(table, ToEntity(schedule), cancellationToken) is { } version ? new Versioned<ScheduleDefinition>(schedule, version) : null;

    public async Task<Versioned<ScheduleDefinition>?> GetAsync(string id, CancellationToken cancellationToken)
    {
        var response = await table.GetEntityIfExistsAsync<TableEntity>(DefinitionPartition, id, cancellationToken: cancellationToken);
        return response.HasValue ? new Versioned<ScheduleDefinition>(FromEntity(response.Value!), response.Value!.ETag) : null;
    }

    /// <summary>Replaces the definition if it is still at <paramref name="expected"/>.</summary>
    public Task<(WriteOutcome Outcome, ETag Version)> ReplaceAsync(ScheduleDefinition schedule, ETag expected, CancellationToken cancellationToken) =>
        VersionedRows.ReplaceAsync(table, ToEntity(schedule), expected, cancellationToken);

    /// <summary>Deletes the definition (if still at <paramref name="expected"/>) and then the state.</summary>
    public async Task<WriteOutcome> DeleteAsync(string id, ETag expected, CancellationToken cancellationToken)
    {
        var outcome = await VersionedRows.DeleteAsync(table, DefinitionPartition, id, expected, cancellationToken);
        if (outcome == WriteOutcome.Written)
        {
            await table.DeleteEntityAsync(StatePartition, id, ETag.All, cancellationToken);
        }

        return outcome;
    }

    public Task<ListPage<ScheduleDefinition>> ListAsync(ScheduleQuery query, PageRequest page, CancellationToken cancellationToken)
    {
        var filters = new List<string>();
        if (query.TaskId is { } taskId)
        {
            filters.Add(TableClient.CreateQueryFilter($"TaskId eq {taskId}"));
        }

        if (query.Enabled is { } enabled)
        {
            filters.Add(TableClient.CreateQueryFilter($"Enabled eq {enabled}"));
        }

        return TablePager.ReadAsync(table, DefinitionPartition, string.Join(" and ", filters), page, entity =>
        {
            var schedule = FromEntity(entity);
            return query.Tags.All(tag => schedule.Spec.Tags.Contains(tag, StringComparer.Ordinal)) ? schedule : null;
        }, cancellationToken);
    }

    /// <summary>Every schedule (of one task, when given), in creation order.</summary>
    public async IAsyncEnumerable<Versioned<ScheduleDefinition>> ScanAsync(string? taskId,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {DefinitionPartition}");
        if (taskId is not null)
        {
            filter += " and " + TableClient.CreateQueryFilter($"TaskId eq {taskId}");
        }

        await foreach (var entity in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            yield return new Versioned<ScheduleDefinition>(FromEntity(entity), entity.ETag);
        }
    }

    public async Task<ScheduleState> GetStateAsync(string id, CancellationToken cancellationToken)
    {
        var response = await table.GetEntityIfExistsAsync<TableEntity>(StatePartition, id, cancellationToken: cancellationToken);
        return response.HasValue ? StateFromEntity(response.Value!) : ScheduleState.Initial;
    }

    /// <summary>
    /// Applies <paramref name="change"/> to the current state and writes it if it is still current, retrying on a
    /// concurrent write (the driver and a <c>$trigger</c> may write at once). Null from <paramref name="change"/> leaves it.
    /// </summary>
    public async Task<ScheduleState> UpdateStateAsync(string id, Func<ScheduleState, ScheduleState?> change, CancellationToken cancellationToken)
    {
        while (true)
        {
            var response = await table.GetEntityIfExistsAsync<TableEntity>(StatePartition, id, cancellationToken: cancellationToken);
            var current = response.HasValue ? StateFromEntity(response.Value!) : ScheduleState.Initial;
            if (change(current) is not { } changed || changed == current)
            {
                return current;
            }

            try
            {
                if (response.HasValue)
                {
                    await table.UpdateEntityAsync(StateToEntity(id, changed), response.Value!.ETag, TableUpdateMode.Replace, cancellationToken);
                }
                else
                {
                    await table.AddEntityAsync(StateToEntity(id, changed), cancellationToken);
                }

                return changed;
            }
            catch (RequestFailedException ex) when (ex.Status is 409 or 412 or 404)
            {
                // Someone else wrote it in between: read again and reconsider.
            }
        }
    }

    private static TableEntity ToEntity(ScheduleDefinition schedule)
    {
        var spec = schedule.Spec;
        return new TableEntity(DefinitionPartition, schedule.Id)
        {
            ["TaskId"] = spec.TaskId,
            ["Cron"] = spec.Cron,
            ["TimeZone"] = spec.TimeZone,
            ["Params"] = spec.Params?.GetRawText(),
            ["Env"] = JsonSerializer.Serialize(spec.Env),
            ["Enabled"] = spec.Enabled,
            ["Overlap"] = EnumNames.ToSnake(spec.Overlap),
            ["CatchUpSeconds"] = spec.CatchUpSeconds,
            ["StartAt"] = spec.StartAt,
            ["EndAt"] = spec.EndAt,
            ["Tags"] = JsonSerializer.Serialize(spec.Tags),
            ["CreatedAt"] = schedule.CreatedAt,
            ["UpdatedAt"] = schedule.UpdatedAt,
            ["DisabledReason"] = schedule.DisabledReason,
        };
    }

    private static ScheduleDefinition FromEntity(TableEntity entity) => new(
        entity.RowKey,
        new ScheduleSpec(
            entity.GetString("TaskId"),
            entity.GetString("Cron"),
            entity.GetString("TimeZone") ?? "UTC",
            entity.GetString("Params") is { } p ? JsonDocument.Parse(p).RootElement.Clone() : null,
            JsonSerializer.Deserialize<Dictionary<string, string>>(entity.GetString("Env") ?? "{}") ?? [],
            entity.GetBoolean("Enabled") ?? true,
            Enum.GetValues<OverlapPolicy>().FirstOrDefault(v => EnumNames.ToSnake(v) == entity.GetString("Overlap")),
            entity.GetInt32("CatchUpSeconds") ?? 0,
            entity.GetDateTimeOffset("StartAt"),
            entity.GetDateTimeOffset("EndAt"),
            JsonSerializer.Deserialize<List<string>>(entity.GetString("Tags") ?? "[]") ?? []),
        entity.GetDateTimeOffset("CreatedAt") ?? default,
        entity.GetDateTimeOffset("UpdatedAt") ?? default)
    {
        DisabledReason = entity.GetString("DisabledReason"),
    };

    private static TableEntity StateToEntity(string id, ScheduleState state) => new(StatePartition, id)
    {
        ["Cursor"] = state.Cursor,
        ["Fires"] = state.Fires,
        ["MissedFires"] = state.MissedFires,
        ["LastFire"] = state.LastFire is null ? null : JsonSerializer.Serialize(state.LastFire, ApiJson.Options),
        ["LastJobId"] = state.LastJobId,
        ["Buffered"] = state.Buffered is null ? null : JsonSerializer.Serialize(state.Buffered, ApiJson.Options),
    };

    private static ScheduleState StateFromEntity(TableEntity entity) => new(
        entity.GetDateTimeOffset("Cursor"),
        entity.GetInt64("Fires") ?? 0,
        entity.GetInt64("MissedFires") ?? 0,
        entity.GetString("LastFire") is { } fire ? JsonSerializer.Deserialize<ScheduleFire>(fire, ApiJson.Options) : null,
        entity.GetString("LastJobId"),
        entity.GetString("Buffered") is { } buffered ? JsonSerializer.Deserialize<BufferedJob>(buffered, ApiJson.Options) : null);
}
