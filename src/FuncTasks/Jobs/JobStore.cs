using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using FuncTasks.Api;
using FuncTasks.Storage;
using FuncTasks.Tasks;

namespace FuncTasks.Jobs;

public sealed record JobQuery(JobStatus? Status, string? TaskId, string? ScheduleId = null);

/// <summary>The record after a <see cref="JobStore.TransitionAsync"/> (null: no such job), and whether that call changed it.</summary>
public readonly record struct JobChange(Job? Job, bool Changed);

/// <summary>
/// Job records in Table storage: one partition, RowKey = the job's ULID inverted, so RowKey order is
/// newest first and a read by id is still a point read. Every change goes through
/// <see cref="UpdateAsync"/>, an optimistic read-change-write loop, so concurrent writers (the
/// activity, a cancel, the sweep) never overwrite each other's transitions.
/// </summary>
public sealed class JobStore(StorageAccount storage)
{
    private const string Partition = "job";
    private readonly TableClient table = storage.Jobs;

    public async Task CreateAsync(Job job, CancellationToken cancellationToken) =>
        await table.AddEntityAsync(ToEntity(job), cancellationToken);

    /// <summary>Creates the record with a conditional insert; false when a job with its id exists.</summary>
    public async Task<bool> TryCreateAsync(Job job, CancellationToken cancellationToken)
    {
        try
        {
            await table.AddEntityAsync(ToEntity(job), cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            return false;
        }
    }

    public async Task<Job?> GetAsync(string id, CancellationToken cancellationToken)
    {
        var response = await table.GetEntityIfExistsAsync<TableEntity>(Partition, UlidIds.Invert(id), cancellationToken: cancellationToken);
        return response.HasValue ? FromEntity(response.Value!) : null;
    }

    /// <summary>
    /// Applies <paramref name="change"/> to the current record and writes it if it is still current,
    /// retrying on a concurrent write. <paramref name="change"/> returns null to leave the record as is.
    /// Returns the record as written (or as found when unchanged), or null when there is no such job.
    /// </summary>
    public async Task<Job?> UpdateAsync(string id, Func<Job, Job?> change, CancellationToken cancellationToken) =>
        (await TransitionAsync(id, change, cancellationToken)).Job;

    /// <summary>Like <see cref="UpdateAsync"/>, and says whether this call's change is the one written.</summary>
    public async Task<JobChange> TransitionAsync(string id, Func<Job, Job?> change, CancellationToken cancellationToken)
    {
        while (true)
        {
            var response = await table.GetEntityIfExistsAsync<TableEntity>(Partition, UlidIds.Invert(id), cancellationToken: cancellationToken);
            if (!response.HasValue)
            {
                return new JobChange(null, false);
            }

            var current = FromEntity(response.Value!);
            if (change(current) is not { } changed || changed == current)
            {
                return new JobChange(current, false);
            }

            try
            {
                await table.UpdateEntityAsync(ToEntity(changed), response.Value!.ETag, TableUpdateMode.Replace, cancellationToken);
                return new JobChange(changed, true);
            }
            catch (RequestFailedException ex) when (ex.Status is 412 or 404)
            {
                // Someone else wrote (or deleted) it in between: read again and reconsider.
            }
        }
    }

    public async Task<bool> DeleteAsync(string id, CancellationToken cancellationToken)
    {
        var response = await table.DeleteEntityAsync(Partition, UlidIds.Invert(id), ETag.All, cancellationToken);
        return response.Status != 404;
    }

    /// <summary>Deletes the records of <paramref name="ids"/> (at most 100) in one transaction; how many existed.</summary>
    public Task<int> DeleteAllAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken) =>
        TableDeletes.DeleteAsync(table, Partition, ids.Select(UlidIds.Invert).ToList(), cancellationToken);

    public Task<ListPage<Job>> ListAsync(JobQuery query, PageRequest page, CancellationToken cancellationToken)
    {
        var filters = new List<string>();
        if (query.Status is { } status)
        {
            filters.Add(TableClient.CreateQueryFilter($"Status eq {EnumNames.ToSnake(status)}"));
        }

        if (query.TaskId is { } taskId)
        {
            filters.Add(TableClient.CreateQueryFilter($"TaskId eq {taskId}"));
        }

        if (query.ScheduleId is { } scheduleId)
        {
            filters.Add(TableClient.CreateQueryFilter($"ScheduleId eq {scheduleId}"));
        }

        return TablePager.ReadAsync(table, Partition, string.Join(" and ", filters), page, FromEntity, cancellationToken);
    }

    /// <summary>Jobs whose record says pending or running (for the sweep).</summary>
    public async IAsyncEnumerable<Job> ScanUnfinishedAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {Partition} and (Status eq {"pending"} or Status eq {"running"})");
        await foreach (var entity in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            yield return FromEntity(entity);
        }
    }

    /// <summary>
    /// The status and times of the jobs submitted at or after <paramref name="since"/>, newest first, read without
    /// scanning older ones: a job's id is minted at or before its submission, so its RowKey (the id inverted) is at
    /// most the inverted smallest id of <paramref name="since"/> minus <see cref="IdLag"/>; that RowKey range is all
    /// the query reads, Table storage filters it on <c>SubmittedAt</c>, and only the four columns come back.
    /// </summary>
    public async IAsyncEnumerable<JobTimes> ReadSubmittedSinceAsync(
        DateTimeOffset since, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var oldestKey = UlidIds.Invert(UlidIds.Earliest(since - IdLag));
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {Partition} and RowKey le {oldestKey} and SubmittedAt ge {since}");
        string[] columns = ["Status", "SubmittedAt", "StartedAt", "FinishedAt"];
        await foreach (var entity in table.QueryAsync<TableEntity>(filter, maxPerPage: 1000, select: columns, cancellationToken: cancellationToken))
        {
            yield return new JobTimes(
                Enum.Parse<JobStatus>(entity.GetString("Status"), ignoreCase: true),
                entity.GetDateTimeOffset("SubmittedAt") ?? default,
                entity.GetDateTimeOffset("StartedAt"),
                entity.GetDateTimeOffset("FinishedAt"));
        }
    }

    /// <summary>
    /// How much older than its submission a job's id can be: a schedule's fire takes the id of its occurrence
    /// (<see cref="Schedules.ScheduleFirer.JobIdFor"/>) and may come up to <c>catch_up_seconds</c> later; every other
    /// job's id is minted when it is submitted.
    /// </summary>
    internal static readonly TimeSpan IdLag = TimeSpan.FromSeconds(Schedules.ScheduleSpecParser.MaxCatchUpSeconds + 60);

    /// <summary>
    /// Ids of at most <paramref name="max"/> jobs that finished (completed, failed, canceled) before <paramref name="cutoff"/>,
    /// for retention. Such a job was submitted before it too, so the scan is bounded to that key range.
    /// </summary>
    public async Task<List<string>> FindFinishedBeforeAsync(DateTimeOffset cutoff, int max, CancellationToken cancellationToken)
    {
        var submittedBefore = UlidIds.Invert(UlidIds.Earliest(cutoff));
        var filter = TableClient.CreateQueryFilter(
            $"PartitionKey eq {Partition} and RowKey gt {submittedBefore} and FinishedAt lt {cutoff} and (Status eq {"completed"} or Status eq {"failed"} or Status eq {"canceled"})");
        var ids = new List<string>();
        await foreach (var entity in table.QueryAsync<TableEntity>(filter, Math.Min(max, 1000), ["Id"], cancellationToken))
        {
            ids.Add(entity.GetString("Id"));
            if (ids.Count >= max)
            {
                break;
            }
        }

        return ids;
    }

    private static TableEntity ToEntity(Job job) => new(Partition, UlidIds.Invert(job.Id))
    {
        ["Id"] = job.Id,
        ["TaskId"] = job.TaskId,
        ["TaskType"] = EnumNames.ToSnake(job.TaskType),
        ["Command"] = job.Command,
        ["Params"] = job.Params?.GetRawText(),
        ["Status"] = EnumNames.ToSnake(job.Status),
        ["SubmittedAt"] = job.SubmittedAt,
        ["StartedAt"] = job.StartedAt,
        ["FinishedAt"] = job.FinishedAt,
        ["Error"] = job.Error is null ? null : JsonSerializer.Serialize(job.Error, ApiJson.Options),
        ["ExitCode"] = job.ExitCode,
        ["ArtifactId"] = job.ArtifactId,
        ["Progress"] = job.Progress is null ? null : JsonSerializer.Serialize(job.Progress, ApiJson.Options),
        ["PermitRequestedAt"] = job.PermitRequestedAt,
        ["PermitGrantedAt"] = job.PermitGrantedAt,
        ["Attempt"] = job.Attempt,
        ["ScheduledFor"] = job.ScheduledFor,
        ["ScheduleId"] = job.ScheduleId,
        ["RerunOf"] = job.RerunOf,
        ["Env"] = job.Env is { Count: > 0 } env ? JsonSerializer.Serialize(env) : null,
    };

    private static Job FromEntity(TableEntity entity) => new(
        entity.GetString("Id"),
        entity.GetString("TaskId"),
        entity.GetString("TaskType") == "shell" ? TaskType.Shell : TaskType.Function,
        entity.GetString("Command"),
        entity.GetString("Params") is { } p ? JsonDocument.Parse(p).RootElement.Clone() : null,
        Enum.Parse<JobStatus>(entity.GetString("Status"), ignoreCase: true),
        entity.GetDateTimeOffset("SubmittedAt") ?? default,
        entity.GetDateTimeOffset("StartedAt"),
        entity.GetDateTimeOffset("FinishedAt"),
        entity.GetString("Error") is { } e ? JsonSerializer.Deserialize<JobError>(e, ApiJson.Options) : null,
        entity.GetInt32("ExitCode"),
        entity.GetString("ArtifactId"),
        entity.GetString("Progress") is { } pr ? JsonSerializer.Deserialize<JobProgress>(pr, ApiJson.Options) : null)
    {
        PermitRequestedAt = entity.GetDateTimeOffset("PermitRequestedAt"),
        PermitGrantedAt = entity.GetDateTimeOffset("PermitGrantedAt"),
        Attempt = entity.GetInt32("Attempt") ?? 0,
        ScheduledFor = entity.GetDateTimeOffset("ScheduledFor"),
        ScheduleId = entity.GetString("ScheduleId"),
        RerunOf = entity.GetString("RerunOf"),
        Env = entity.GetString("Env") is { } env ? JsonSerializer.Deserialize<Dictionary<string, string>>(env) : null,
    };
}
