using DurableTask.AzureStorage;
using DurableTask.Core;
using DurableTask.Core.Entities;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Client.Entities;
using Microsoft.DurableTask.Entities;

namespace FuncTasks.Testing.Durable;

/// <summary>
/// <see cref="DurableTaskClient.Entities"/> over the Azure Storage backend's entity queries and signal messages.
/// Entity state is whatever the entity's DataConverter wrote (for TaskEntity&lt;T&gt;: T, serialized).
/// </summary>
internal sealed class TestDurableEntityClient : DurableEntityClient
{
    private readonly AzureStorageOrchestrationService service;
    private readonly DataConverter converter;
    private readonly EntityBackendQueries queries;
    private readonly TimeSpan maxSignalDelay;

    public TestDurableEntityClient(string name, AzureStorageOrchestrationService service, DataConverter converter)
        : base(name)
    {
        this.service = service;
        this.converter = converter;
        var entityService = (IEntityOrchestrationService)service;
        queries = entityService.EntityBackendQueries
            ?? throw new InvalidOperationException("The backend has no entity queries.");
        maxSignalDelay = entityService.EntityBackendProperties?.MaximumSignalDelayTime ?? TimeSpan.FromDays(6);
    }

    public override async Task SignalEntityAsync(
        EntityInstanceId id,
        string operationName,
        object? input = null,
        SignalEntityOptions? options = null,
        CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(id.Name, nameof(id));
        ArgumentNullException.ThrowIfNull(id.Key, nameof(id));
        ArgumentException.ThrowIfNullOrEmpty(operationName);
        cancellation.ThrowIfCancellationRequested();

        var signal = ClientEntityHelpers.EmitOperationSignal(
            new OrchestrationInstance { InstanceId = id.ToString() },
            Guid.NewGuid(),
            operationName,
            converter.Serialize(input),
            EntityMessageEvent.GetCappedScheduledTime(DateTime.UtcNow, maxSignalDelay, options?.SignalTime?.UtcDateTime));
        await service.SendTaskOrchestrationMessageAsync(signal.AsTaskMessage()).ConfigureAwait(false);
    }

    public override async Task<EntityMetadata?> GetEntityAsync(
        EntityInstanceId id, bool includeState = true, CancellationToken cancellation = default)
    {
        var metadata = await queries.GetEntityAsync(ToCore(id), includeState, false, cancellation).ConfigureAwait(false);
        return metadata is { } m ? ToMetadata(m) : null;
    }

    public override async Task<EntityMetadata<T>?> GetEntityAsync<T>(
        EntityInstanceId id, bool includeState = true, CancellationToken cancellation = default)
    {
        var metadata = await queries.GetEntityAsync(ToCore(id), includeState, false, cancellation).ConfigureAwait(false);
        return metadata is { } m ? ToMetadata<T>(m) : null;
    }

    public override AsyncPageable<EntityMetadata> GetAllEntitiesAsync(EntityQuery? filter = null) =>
        Query(filter, ToMetadata);

    public override AsyncPageable<EntityMetadata<T>> GetAllEntitiesAsync<T>(EntityQuery? filter = null) =>
        Query(filter, ToMetadata<T>);

    public override async Task<CleanEntityStorageResult> CleanEntityStorageAsync(
        CleanEntityStorageRequest? request = null,
        bool continueUntilComplete = true,
        CancellationToken cancellation = default)
    {
        var r = request ?? CleanEntityStorageRequest.Default;
        var removed = 0;
        var released = 0;
        var continuation = r.ContinuationToken;
        do
        {
            var result = await queries.CleanEntityStorageAsync(
                new EntityBackendQueries.CleanEntityStorageRequest
                {
                    RemoveEmptyEntities = r.RemoveEmptyEntities,
                    ReleaseOrphanedLocks = r.ReleaseOrphanedLocks,
                    ContinuationToken = continuation,
                },
                cancellation).ConfigureAwait(false);
            removed += result.EmptyEntitiesRemoved;
            released += result.OrphanedLocksReleased;
            continuation = result.ContinuationToken;
        }
        while (continueUntilComplete && continuation is not null);

        return new CleanEntityStorageResult
        {
            EmptyEntitiesRemoved = removed,
            OrphanedLocksReleased = released,
            ContinuationToken = continuation,
        };
    }

    private AsyncPageable<TMetadata> Query<TMetadata>(
        EntityQuery? filter, Func<EntityBackendQueries.EntityMetadata, TMetadata> select)
        where TMetadata : notnull =>
        Pageable.Create(async (continuation, pageSize, cancellation) =>
        {
            var result = await queries.QueryEntitiesAsync(
                new EntityBackendQueries.EntityQuery
                {
                    InstanceIdStartsWith = filter?.InstanceIdStartsWith ?? string.Empty,
                    LastModifiedFrom = filter?.LastModifiedFrom?.UtcDateTime,
                    LastModifiedTo = filter?.LastModifiedTo?.UtcDateTime,
                    IncludeState = filter?.IncludeState ?? true,
                    IncludeTransient = filter?.IncludeTransient ?? false,
                    PageSize = pageSize ?? filter?.PageSize,
                    ContinuationToken = continuation ?? filter?.ContinuationToken,
                },
                cancellation).ConfigureAwait(false);
            return new Page<TMetadata>(result.Results.Select(select).ToList(), result.ContinuationToken);
        });

    private static EntityId ToCore(EntityInstanceId id) => new(id.Name, id.Key);

    private EntityMetadata ToMetadata(EntityBackendQueries.EntityMetadata m) =>
        new(new EntityInstanceId(m.EntityId.Name, m.EntityId.Key),
            m.SerializedState is null ? null : new SerializedData(m.SerializedState, converter))
        {
            LastModifiedTime = m.LastModifiedTime,
            BacklogQueueSize = m.BacklogQueueSize,
            LockedBy = m.LockedBy,
        };

    private EntityMetadata<T> ToMetadata<T>(EntityBackendQueries.EntityMetadata m)
    {
        var id = new EntityInstanceId(m.EntityId.Name, m.EntityId.Key);
        return m.SerializedState is null
            ? new EntityMetadata<T>(id)
            {
                LastModifiedTime = m.LastModifiedTime,
                BacklogQueueSize = m.BacklogQueueSize,
                LockedBy = m.LockedBy,
            }
            : new EntityMetadata<T>(id, converter.Deserialize<T>(m.SerializedState)!)
            {
                LastModifiedTime = m.LastModifiedTime,
                BacklogQueueSize = m.BacklogQueueSize,
                LockedBy = m.LockedBy,
            };
    }
}
