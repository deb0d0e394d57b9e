using DurableTask.AzureStorage;
using DurableTask.Core;
using DurableTask.Core.History;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Client.Entities;
using Core = DurableTask.Core;
using CoreQuery = DurableTask.Core.Query;

namespace FuncTasks.Testing.Durable;

/// <summary>
/// A real <see cref="DurableTaskClient"/> over DurableTask.Core's client side of the Azure Storage backend
/// (the role Microsoft.DurableTask.Client.OrchestrationServiceClientShim plays; that package is not on every feed).
/// Payloads go through the host's <see cref="DataConverter"/>, as the worker shims do.
/// </summary>
internal sealed class TestDurableTaskClient : DurableTaskClient
{
    // What the Durable Functions extension allows for an instance id (Azure Table keys refuse / \ # ? and controls).
    private const int MaxInstanceIdLength = 256;

    private readonly AzureStorageOrchestrationService service;
    private readonly DataConverter converter;
    private readonly TimeSpan pollingInterval;
    private readonly TestDurableEntityClient entities;

    public TestDurableTaskClient(
        string name, AzureStorageOrchestrationService service, DataConverter converter, TimeSpan pollingInterval)
        : base(name)
    {
        this.service = service;
        this.converter = converter;
        this.pollingInterval = pollingInterval;
        entities = new TestDurableEntityClient(name, service, converter);
    }

    public override DurableEntityClient Entities => entities;

    public override async Task<string> ScheduleNewOrchestrationInstanceAsync(
        TaskName orchestratorName,
        object? input = null,
        StartOrchestrationOptions? options = null,
        CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(orchestratorName.Name, nameof(orchestratorName));
        cancellation.ThrowIfCancellationRequested();
        var instanceId = options?.InstanceId ?? Guid.NewGuid().ToString("N");
        ValidateInstanceId(instanceId);

        var instance = new OrchestrationInstance
        {
            InstanceId = instanceId,
            ExecutionId = Guid.NewGuid().ToString("N"),
        };
        var tags = options?.Tags?.ToDictionary(t => t.Key, t => t.Value) ?? [];
        var started = new ExecutionStartedEvent(-1, converter.Serialize(input))
        {
            Name = orchestratorName.Name,
            Version = options?.Version?.Version ?? string.Empty,
            OrchestrationInstance = instance,
            ScheduledStartTime = options?.StartAt?.UtcDateTime,
            Tags = tags,
        };

        // No dedupe statuses means any existing instance may be replaced: the extension's default
        // (overridableExistingInstanceStates = AnyState).
        Core.OrchestrationStatus[]? dedupe = options?.DedupeStatuses is { Count: > 0 } statuses
            ? statuses.Select(s => Enum.Parse<OrchestrationRuntimeStatus>(s, ignoreCase: true).ToCore()).ToArray()
            : null;

        await service.CreateTaskOrchestrationAsync(
            new TaskMessage { OrchestrationInstance = instance, Event = started }, dedupe).ConfigureAwait(false);
        return instanceId;
    }

    public override Task RaiseEventAsync(
        string instanceId, string eventName, object? eventPayload = null, CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(eventName);
        return SendAsync(instanceId, new EventRaisedEvent(-1, converter.Serialize(eventPayload)) { Name = eventName }, cancellation);
    }

    public override Task SuspendInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default) =>
        SendAsync(instanceId, new ExecutionSuspendedEvent(-1, reason), cancellation);

    public override Task ResumeInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default) =>
        SendAsync(instanceId, new ExecutionResumedEvent(-1, reason), cancellation);

    public override Task TerminateInstanceAsync(
        string instanceId, TerminateInstanceOptions? options = null, CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        if (options?.Recursive == true)
        {
            throw new NotSupportedException("Recursive termination is not supported by the durable test host.");
        }

        cancellation.ThrowIfCancellationRequested();
        return service.ForceTerminateTaskOrchestrationAsync(instanceId, converter.Serialize(options?.Output));
    }

    public override async Task<OrchestrationMetadata?> GetInstancesAsync(
        string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        cancellation.ThrowIfCancellationRequested();
        var state = await GetStateAsync(instanceId, getInputsAndOutputs).ConfigureAwait(false);
        return state is null ? null : ToMetadata(state, getInputsAndOutputs);
    }

    public override AsyncPageable<OrchestrationMetadata> GetAllInstancesAsync(OrchestrationQuery? filter = null) =>
        Pageable.Create(async (continuation, pageSize, cancellation) =>
        {
            var query = new CoreQuery.OrchestrationQuery
            {
                RuntimeStatus = filter?.Statuses?.Select(s => s.ToCore()).ToList(),
                CreatedTimeFrom = filter?.CreatedFrom?.UtcDateTime,
                CreatedTimeTo = filter?.CreatedTo?.UtcDateTime,
                TaskHubNames = filter?.TaskHubNames?.ToList(),
                InstanceIdPrefix = filter?.InstanceIdPrefix,
                FetchInputsAndOutputs = filter?.FetchInputsAndOutputs ?? false,
                PageSize = pageSize ?? filter?.PageSize ?? OrchestrationQuery.DefaultPageSize,
                ContinuationToken = continuation ?? filter?.ContinuationToken,
                ExcludeEntities = true,
            };
            var result = await service.GetOrchestrationWithQueryAsync(query, cancellation).ConfigureAwait(false);
            var page = result.OrchestrationState.Select(s => ToMetadata(s, query.FetchInputsAndOutputs)).ToList();
            return new Page<OrchestrationMetadata>(page, result.ContinuationToken);
        });

    public override async Task<OrchestrationMetadata> WaitForInstanceStartAsync(
        string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        while (true)
        {
            var state = await GetStateAsync(instanceId, getInputsAndOutputs).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"Orchestration with instanceId '{instanceId}' does not exist");
            if (state.OrchestrationStatus != Core.OrchestrationStatus.Pending)
            {
                return ToMetadata(state, getInputsAndOutputs);
            }

            await Task.Delay(pollingInterval, cancellation).ConfigureAwait(false);
        }
    }

    public override async Task<OrchestrationMetadata> WaitForInstanceCompletionAsync(
        string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        while (true)
        {
            var state = await GetStateAsync(instanceId, fetchInput: false).ConfigureAwait(false);
            if (state is not null && state.OrchestrationStatus.IsTerminal())
            {
                if (getInputsAndOutputs)
                {
                    state = await GetStateAsync(instanceId, fetchInput: true).ConfigureAwait(false) ?? state;
                }

                return ToMetadata(state, getInputsAndOutputs);
            }

            await Task.Delay(pollingInterval, cancellation).ConfigureAwait(false);
        }
    }

    public override async Task<Microsoft.DurableTask.Client.PurgeResult> PurgeInstanceAsync(
        string instanceId, PurgeInstanceOptions? options = null, CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        if (options?.Recursive == true)
        {
            throw new NotSupportedException("Recursive purge is not supported by the durable test host.");
        }

        var state = await GetStateAsync(instanceId, fetchInput: false).ConfigureAwait(false);
        if (state is null)
        {
            return new Microsoft.DurableTask.Client.PurgeResult(0);
        }

        var isEntity = instanceId[0] == '@';
        if (!isEntity && !state.OrchestrationStatus.IsTerminal())
        {
            throw new InvalidOperationException(
                $"Only orchestrations in a terminal state can be purged, but the orchestration with instance ID " +
                $"{instanceId} has status {state.OrchestrationStatus.ToRuntimeStatus()}");
        }

        cancellation.ThrowIfCancellationRequested();
        var result = await ((IOrchestrationServicePurgeClient)service).PurgeInstanceStateAsync(instanceId).ConfigureAwait(false);
        return new Microsoft.DurableTask.Client.PurgeResult(result.DeletedInstanceCount);
    }

    public override async Task<Microsoft.DurableTask.Client.PurgeResult> PurgeAllInstancesAsync(
        PurgeInstancesFilter filter, PurgeInstanceOptions? options = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (options?.Recursive == true)
        {
            throw new NotSupportedException("Recursive purge is not supported by the durable test host.");
        }

        cancellation.ThrowIfCancellationRequested();
        var coreFilter = new PurgeInstanceFilter(
            (filter.CreatedFrom ?? DateTimeOffset.MinValue).UtcDateTime,
            filter.CreatedTo?.UtcDateTime,
            filter.Statuses?.Select(s => s.ToCore()))
        {
            Timeout = filter.Timeout,
        };
        var result = await ((IOrchestrationServicePurgeClient)service).PurgeInstanceStateAsync(coreFilter).ConfigureAwait(false);
        return new Microsoft.DurableTask.Client.PurgeResult(result.DeletedInstanceCount, result.IsComplete);
    }

    public override async Task<string> RestartAsync(
        string instanceId, bool restartWithNewInstanceId = false, CancellationToken cancellation = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        var state = await GetStateAsync(instanceId, fetchInput: true).ConfigureAwait(false)
            ?? throw new ArgumentException($"An orchestration with the instanceId {instanceId} was not found.", nameof(instanceId));
        if (!restartWithNewInstanceId && !state.OrchestrationStatus.IsTerminal())
        {
            await TerminateInstanceAsync(instanceId, new TerminateInstanceOptions("Restarted"), cancellation).ConfigureAwait(false);
            await WaitForInstanceCompletionAsync(instanceId, false, cancellation).ConfigureAwait(false);
        }

        var newId = restartWithNewInstanceId ? Guid.NewGuid().ToString("N") : instanceId;
        var instance = new OrchestrationInstance { InstanceId = newId, ExecutionId = Guid.NewGuid().ToString("N") };
        var started = new ExecutionStartedEvent(-1, state.Input)
        {
            Name = state.Name,
            Version = state.Version ?? string.Empty,
            OrchestrationInstance = instance,
        };
        await service.CreateTaskOrchestrationAsync(
            new TaskMessage { OrchestrationInstance = instance, Event = started }, null).ConfigureAwait(false);
        return newId;
    }

    public override ValueTask DisposeAsync()
    {
        service.Dispose();
        return ValueTask.CompletedTask;
    }

    internal static void ValidateInstanceId(string instanceId)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        if (instanceId.Length > MaxInstanceIdLength)
        {
            throw new ArgumentException($"Instance ID length must not exceed {MaxInstanceIdLength} characters.", nameof(instanceId));
        }

        if (instanceId[0] == '@')
        {
            throw new ArgumentException("Orchestration instance IDs must not start with '@' (reserved for entities).", nameof(instanceId));
        }

        foreach (var c in instanceId)
        {
            if (c is '/' or '\\' or '#' or '?' || char.IsControl(c))
            {
                throw new ArgumentException(
                    $"Instance ID '{instanceId}' contains '{(char.IsControl(c) ? $"U+{(int)c:X4}" : c.ToString())}'; " +
                    "Azure Storage table keys refuse '/', '\\', '#', '?' and control characters.",
                    nameof(instanceId));
            }
        }
    }

    private async Task<Core.OrchestrationState?> GetStateAsync(string instanceId, bool fetchInput)
    {
        var states = await service.GetOrchestrationStateAsync(instanceId, allExecutions: false, fetchInput: fetchInput)
            .ConfigureAwait(false);
        return states is { Count: > 0 } ? states[0] : null;
    }

    private Task SendAsync(string instanceId, HistoryEvent historyEvent, CancellationToken cancellation)
    {
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        cancellation.ThrowIfCancellationRequested();
        return service.SendTaskOrchestrationMessageAsync(new TaskMessage
        {
            OrchestrationInstance = new OrchestrationInstance { InstanceId = instanceId },
            Event = historyEvent,
        });
    }

    private OrchestrationMetadata ToMetadata(Core.OrchestrationState state, bool includeInputsAndOutputs) =>
        new(state.Name, state.OrchestrationInstance.InstanceId)
        {
            DataConverter = includeInputsAndOutputs ? converter : null,
            RuntimeStatus = state.OrchestrationStatus.ToRuntimeStatus(),
            CreatedAt = new DateTimeOffset(DateTime.SpecifyKind(state.CreatedTime, DateTimeKind.Utc)),
            LastUpdatedAt = new DateTimeOffset(DateTime.SpecifyKind(state.LastUpdatedTime, DateTimeKind.Utc)),
            SerializedInput = includeInputsAndOutputs ? state.Input : null,
            SerializedOutput = includeInputsAndOutputs ? state.Output : null,
            SerializedCustomStatus = includeInputsAndOutputs ? state.Status : null,
            Tags = state.Tags is { } tags ? new Dictionary<string, string>(tags) : new Dictionary<string, string>(),
            FailureDetails = state.FailureDetails.ToSdk() ?? FailureFromOutput(state),
        };

    // The Azure Storage backend keeps no structured failure: a failed instance's output is the text
    // "{ErrorType}: {ErrorMessage}" (Core's FailureDetails.ToString()); rebuild what it holds (no stack trace).
    private static TaskFailureDetails? FailureFromOutput(Core.OrchestrationState state)
    {
        if (state.OrchestrationStatus != Core.OrchestrationStatus.Failed || string.IsNullOrEmpty(state.Output))
        {
            return null;
        }

        var separator = state.Output.IndexOf(": ", StringComparison.Ordinal);
        return separator < 0
            ? new TaskFailureDetails("Unknown", state.Output, null, null, null)
            : new TaskFailureDetails(state.Output[..separator], state.Output[(separator + 2)..], null, null, null);
    }
}
