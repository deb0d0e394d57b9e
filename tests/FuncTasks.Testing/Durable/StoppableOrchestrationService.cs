using DurableTask.Core;
using DurableTask.Core.Entities;

namespace FuncTasks.Testing.Durable;

/// <summary>
/// Passes a worker's calls to the real backend until <see cref="Kill"/>: from then on the worker takes no new
/// work and can finish none (completions, renewals and abandons fail), as if its process had died. What it held
/// stays invisible in the queues until the visibility timeouts run out; then another worker picks it up.
/// </summary>
internal sealed class StoppableOrchestrationService : IEntityOrchestrationService
{
    private readonly IEntityOrchestrationService inner;
    private volatile bool killed;

    public StoppableOrchestrationService(IEntityOrchestrationService inner) => this.inner = inner;

    public bool IsKilled => killed;

    public void Kill() => killed = true;

    public int TaskOrchestrationDispatcherCount => inner.TaskOrchestrationDispatcherCount;

    public int MaxConcurrentTaskOrchestrationWorkItems => inner.MaxConcurrentTaskOrchestrationWorkItems;

    public BehaviorOnContinueAsNew EventBehaviourForContinueAsNew => inner.EventBehaviourForContinueAsNew;

    public int TaskActivityDispatcherCount => inner.TaskActivityDispatcherCount;

    public int MaxConcurrentTaskActivityWorkItems => inner.MaxConcurrentTaskActivityWorkItems;

    public EntityBackendProperties? EntityBackendProperties => inner.EntityBackendProperties;

    public EntityBackendQueries? EntityBackendQueries => inner.EntityBackendQueries;

    public Task StartAsync() => inner.StartAsync();

    public Task StopAsync() => inner.StopAsync();

    public Task StopAsync(bool isForced) => inner.StopAsync(isForced);

    public Task CreateAsync() => inner.CreateAsync();

    public Task CreateAsync(bool recreateInstanceStore) => inner.CreateAsync(recreateInstanceStore);

    public Task CreateIfNotExistsAsync() => inner.CreateIfNotExistsAsync();

    public Task DeleteAsync() => inner.DeleteAsync();

    public Task DeleteAsync(bool deleteInstanceStore) => inner.DeleteAsync(deleteInstanceStore);

    public bool IsMaxMessageCountExceeded(int currentMessageCount, OrchestrationRuntimeState runtimeState) =>
        inner.IsMaxMessageCountExceeded(currentMessageCount, runtimeState);

    public int GetDelayInSecondsAfterOnProcessException(Exception exception) =>
        killed ? 1 : inner.GetDelayInSecondsAfterOnProcessException(exception);

    public int GetDelayInSecondsAfterOnFetchException(Exception exception) =>
        killed ? 1 : inner.GetDelayInSecondsAfterOnFetchException(exception);

    public Task<TaskOrchestrationWorkItem> LockNextTaskOrchestrationWorkItemAsync(
        TimeSpan receiveTimeout, CancellationToken cancellationToken) =>
        killed ? Idle<TaskOrchestrationWorkItem>(cancellationToken)
               : Guard(inner.LockNextTaskOrchestrationWorkItemAsync(receiveTimeout, cancellationToken));

    public Task<TaskOrchestrationWorkItem> LockNextOrchestrationWorkItemAsync(
        TimeSpan receiveTimeout, CancellationToken cancellationToken) =>
        killed ? Idle<TaskOrchestrationWorkItem>(cancellationToken)
               : Guard(inner.LockNextOrchestrationWorkItemAsync(receiveTimeout, cancellationToken));

    public Task<TaskOrchestrationWorkItem> LockNextEntityWorkItemAsync(
        TimeSpan receiveTimeout, CancellationToken cancellationToken) =>
        killed ? Idle<TaskOrchestrationWorkItem>(cancellationToken)
               : Guard(inner.LockNextEntityWorkItemAsync(receiveTimeout, cancellationToken));

    public Task<TaskActivityWorkItem> LockNextTaskActivityWorkItem(
        TimeSpan receiveTimeout, CancellationToken cancellationToken) =>
        killed ? Idle<TaskActivityWorkItem>(cancellationToken)
               : Guard(inner.LockNextTaskActivityWorkItem(receiveTimeout, cancellationToken));

    public Task RenewTaskOrchestrationWorkItemLockAsync(TaskOrchestrationWorkItem workItem)
    {
        ThrowIfKilled();
        return inner.RenewTaskOrchestrationWorkItemLockAsync(workItem);
    }

    public Task CompleteTaskOrchestrationWorkItemAsync(
        TaskOrchestrationWorkItem workItem,
        OrchestrationRuntimeState newOrchestrationRuntimeState,
        IList<TaskMessage> outboundMessages,
        IList<TaskMessage> orchestratorMessages,
        IList<TaskMessage> timerMessages,
        TaskMessage continuedAsNewMessage,
        OrchestrationState orchestrationState)
    {
        ThrowIfKilled();
        return inner.CompleteTaskOrchestrationWorkItemAsync(
            workItem, newOrchestrationRuntimeState, outboundMessages, orchestratorMessages, timerMessages,
            continuedAsNewMessage, orchestrationState);
    }

    public Task AbandonTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem)
    {
        ThrowIfKilled();
        return inner.AbandonTaskOrchestrationWorkItemAsync(workItem);
    }

    // Releasing ends the in-memory session (the backend waits for its sessions to end before it hands its
    // partitions back), so it goes through even when killed; the session's messages stay invisible.
    public Task ReleaseTaskOrchestrationWorkItemAsync(TaskOrchestrationWorkItem workItem) =>
        inner.ReleaseTaskOrchestrationWorkItemAsync(workItem);

    public Task<TaskActivityWorkItem> RenewTaskActivityWorkItemLockAsync(TaskActivityWorkItem workItem)
    {
        ThrowIfKilled();
        return inner.RenewTaskActivityWorkItemLockAsync(workItem);
    }

    public Task CompleteTaskActivityWorkItemAsync(TaskActivityWorkItem workItem, TaskMessage responseMessage)
    {
        ThrowIfKilled();
        return inner.CompleteTaskActivityWorkItemAsync(workItem, responseMessage);
    }

    public Task AbandonTaskActivityWorkItemAsync(TaskActivityWorkItem workItem)
    {
        ThrowIfKilled();
        return inner.AbandonTaskActivityWorkItemAsync(workItem);
    }

    // A fetch that was waiting when the worker died and returns afterwards: the work is not handed out
    // (an orchestration session is ended in memory so the partitions can be released).
    private async Task<TaskOrchestrationWorkItem> Guard(Task<TaskOrchestrationWorkItem> fetch)
    {
        var workItem = await fetch.ConfigureAwait(false);
        if (workItem is not null && killed)
        {
            await inner.ReleaseTaskOrchestrationWorkItemAsync(workItem).ConfigureAwait(false);
            return null!;
        }

        return workItem!;
    }

    private async Task<TaskActivityWorkItem> Guard(Task<TaskActivityWorkItem> fetch)
    {
        var workItem = await fetch.ConfigureAwait(false);
        return killed ? null! : workItem!;
    }

    private static async Task<T> Idle<T>(CancellationToken cancellationToken)
        where T : class
    {
        try
        {
            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The dispatcher is stopping.
        }

        return null!;
    }

    private void ThrowIfKilled()
    {
        if (killed)
        {
            throw new InvalidOperationException("The durable test worker was stopped (simulated process death).");
        }
    }
}
