using System.Text.Json;
using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs.Models;
using FuncTasks.Api;
using FuncTasks.Jobs;
using FuncTasks.Storage;

namespace FuncTasks.Artifacts;

/// <summary>
/// Artifacts: the content is a blob named by the artifact's ULID, the metadata one Table row keyed the
/// same way (so lists filter and page like the other resources). Writes are idempotent by id, which
/// makes an activity that runs twice leave one artifact. Task functions get an instance bound to their
/// job (<see cref="ForJob"/>), so what they save is linked to the job and, by default, to its result.
/// </summary>
public sealed class ArtifactStore
{
    private const string Partition = "artifact";
    private readonly StorageAccount storage;
    private readonly TimeProvider clock;
    private readonly JobContext? job;

    public ArtifactStore(StorageAccount storage, TimeProvider clock)
        : this(storage, clock, null)
    {
    }

    private ArtifactStore(StorageAccount storage, TimeProvider clock, JobContext? job)
    {
        this.storage = storage;
        this.clock = clock;
        this.job = job;
    }

    /// <summary>This store, saving on behalf of a job: new artifacts carry its job and task ids.</summary>
    public ArtifactStore ForJob(JobContext context) => new(storage, clock, context);

    /// <summary>Saves a JSON value. Within a job its parent defaults to the job's result artifact.</summary>
    public Task<Artifact> SaveAsync(object? data, string? parentId = null, CancellationToken cancellationToken = default) =>
        WriteAsync(UlidIds.New(clock), DefaultLinks(parentId), Artifact.JsonContentType,
            BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(data, ApiJson.Options)), cancellationToken);

    /// <summary>Saves raw content (a file, an image, text) with its content type.</summary>
    public Task<Artifact> SaveContentAsync(BinaryData content, string contentType, string? parentId = null, CancellationToken cancellationToken = default) =>
        WriteAsync(UlidIds.New(clock), DefaultLinks(parentId), contentType, content, cancellationToken);

    /// <summary>Writes (or rewrites) the artifact <paramref name="id"/>: blob first, then its row.</summary>
    internal async Task<Artifact> WriteAsync(string id, ArtifactLinks links, string contentType, BinaryData content, CancellationToken cancellationToken)
    {
        await storage.Artifacts.GetBlobClient(id).UploadAsync(content, new BlobUploadOptions
        {
            HttpHeaders = new BlobHttpHeaders { ContentType = contentType },
        }, cancellationToken);
        return await IndexAsync(id, links, contentType, content.ToMemory().Length, cancellationToken);
    }

    /// <summary>Writes the artifact <paramref name="id"/> from a stream (large output), blob then row.</summary>
    internal async Task<Artifact> WriteAsync(string id, ArtifactLinks links, string contentType, Stream content, CancellationToken cancellationToken)
    {
        await storage.Artifacts.GetBlobClient(id).UploadAsync(content, new BlobUploadOptions
        {
            HttpHeaders = new BlobHttpHeaders { ContentType = contentType },
        }, cancellationToken);
        return await IndexAsync(id, links, contentType, content.Length, cancellationToken);
    }

    public async Task<Artifact?> GetAsync(string id, bool includeData, CancellationToken cancellationToken)
    {
        var row = await storage.ArtifactIndex.GetEntityIfExistsAsync<TableEntity>(Partition, id, cancellationToken: cancellationToken);
        if (!row.HasValue)
        {
            return null;
        }

        var artifact = FromEntity(row.Value!);
        if (!includeData || !artifact.IsJson)
        {
            return artifact;
        }

        try
        {
            var content = await storage.Artifacts.GetBlobClient(id).DownloadContentAsync(cancellationToken);
            using var document = JsonDocument.Parse(content.Value.Content);
            return artifact with { Data = document.RootElement.Clone() };
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null; // deleted meanwhile
        }
    }

    /// <summary>The artifact and a stream of its content, or null.</summary>
    public async Task<(Artifact Artifact, Stream Content)?> OpenAsync(string id, CancellationToken cancellationToken)
    {
        if (await GetAsync(id, includeData: false, cancellationToken) is not { } artifact)
        {
            return null;
        }

        try
        {
            var stream = await storage.Artifacts.GetBlobClient(id).OpenReadAsync(cancellationToken: cancellationToken);
            return (artifact, stream);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    /// <summary>Deletes the artifact and the artifacts whose parent it is; false when it did not exist.</summary>
    public async Task<bool> DeleteAsync(string id, CancellationToken cancellationToken)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {Partition} and ParentId eq {id}");
        await foreach (var child in storage.ArtifactIndex.QueryAsync<TableEntity>(filter, select: ["RowKey"], cancellationToken: cancellationToken))
        {
            await DeleteAsync(child.RowKey, cancellationToken);
        }

        var response = await storage.ArtifactIndex.DeleteEntityAsync(Partition, id, ETag.All, cancellationToken);
        await storage.Artifacts.DeleteBlobIfExistsAsync(id, cancellationToken: cancellationToken);
        return response.Status != 404;
    }

    public Task<ListPage<Artifact>> ListAsync(ArtifactQuery query, PageRequest page, CancellationToken cancellationToken)
    {
        var filters = new List<string>();
        if (query.JobId is { } jobId)
        {
            filters.Add(TableClient.CreateQueryFilter($"JobId eq {jobId}"));
        }

        if (query.TaskId is { } taskId)
        {
            filters.Add(TableClient.CreateQueryFilter($"TaskId eq {taskId}"));
        }

        if (query.ParentId is { } parentId)
        {
            filters.Add(TableClient.CreateQueryFilter($"ParentId eq {parentId}"));
        }

        return TablePager.ReadAsync(storage.ArtifactIndex, Partition, string.Join(" and ", filters), page, FromEntity, cancellationToken);
    }

    /// <summary>
    /// Removes at most <paramref name="max"/> artifacts created before <paramref name="cutoff"/> (oldest first), each with its
    /// blob and its children at any depth, for retention. Returns how many artifacts went (children included) and whether
    /// the batch was full. Children are found by one scan of the rows that have a parent, not one query per artifact.
    /// </summary>
    internal async Task<(int Removed, bool Full)> RemoveCreatedBeforeAsync(DateTimeOffset cutoff, int max, int parallelism, CancellationToken cancellationToken)
    {
        // An artifact's id is made before it is written, so one created before the cutoff has an id below the cutoff's.
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {Partition} and RowKey lt {UlidIds.Earliest(cutoff)} and CreatedAt lt {cutoff}");
        var due = new List<string>();
        await foreach (var row in storage.ArtifactIndex.QueryAsync<TableEntity>(filter, Math.Min(max, 1000), ["RowKey"], cancellationToken))
        {
            due.Add(row.RowKey);
            if (due.Count >= max)
            {
                break;
            }
        }

        if (due.Count == 0)
        {
            return (0, false);
        }

        var children = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var withParent = TableClient.CreateQueryFilter($"PartitionKey eq {Partition} and ParentId gt {string.Empty}");
        await foreach (var row in storage.ArtifactIndex.QueryAsync<TableEntity>(withParent, 1000, ["RowKey", "ParentId"], cancellationToken))
        {
            var parent = row.GetString("ParentId");
            if (!children.TryGetValue(parent, out var list))
            {
                children[parent] = list = [];
            }

            list.Add(row.RowKey);
        }

        var doomed = new HashSet<string>(StringComparer.Ordinal);
        var next = new Queue<string>(due);
        while (next.TryDequeue(out var id))
        {
            if (doomed.Add(id) && children.TryGetValue(id, out var kids))
            {
                kids.ForEach(next.Enqueue);
            }
        }

        var removed = 0;
        await Parallel.ForEachAsync(doomed, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancellationToken }, async (id, ct) =>
        {
            // The blob first: a row left behind is found again next run; a blob without its row would never be.
            await storage.Artifacts.DeleteBlobIfExistsAsync(id, cancellationToken: ct);
            var response = await storage.ArtifactIndex.DeleteEntityAsync(Partition, id, ETag.All, ct);
            if (response.Status != 404)
            {
                Interlocked.Increment(ref removed);
            }
        });
        return (removed, due.Count >= max);
    }

    private ArtifactLinks DefaultLinks(string? parentId) =>
        new(job?.JobId, job?.TaskId, parentId ?? job?.ResultArtifactId);

    private async Task<Artifact> IndexAsync(string id, ArtifactLinks links, string contentType, long size, CancellationToken cancellationToken)
    {
        var artifact = new Artifact(id, links.JobId, links.TaskId, links.ParentId, contentType, size, Timestamps.Now(clock));
        try
        {
            await storage.ArtifactIndex.AddEntityAsync(ToEntity(artifact), cancellationToken);
            return artifact;
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            // Written before (an activity that ran again): rewrite it, keeping its first creation time.
            var existing = await storage.ArtifactIndex.GetEntityAsync<TableEntity>(Partition, id, cancellationToken: cancellationToken);
            artifact = artifact with { CreatedAt = FromEntity(existing.Value).CreatedAt };
            await storage.ArtifactIndex.UpsertEntityAsync(ToEntity(artifact), TableUpdateMode.Replace, cancellationToken);
            return artifact;
        }
    }

    private static TableEntity ToEntity(Artifact artifact) => new(Partition, artifact.Id)
    {
        ["JobId"] = artifact.JobId,
        ["TaskId"] = artifact.TaskId,
        ["ParentId"] = artifact.ParentId,
        ["ContentType"] = artifact.ContentType,
        ["SizeBytes"] = artifact.SizeBytes,
        ["CreatedAt"] = artifact.CreatedAt,
    };

    private static Artifact FromEntity(TableEntity entity) => new(
        entity.RowKey,
        entity.GetString("JobId"),
        entity.GetString("TaskId"),
        entity.GetString("ParentId"),
        entity.GetString("ContentType") ?? "application/octet-stream",
        entity.GetInt64("SizeBytes") ?? 0,
        entity.GetDateTimeOffset("CreatedAt") ?? entity.Timestamp ?? default);
}
