using DurableTask.AzureStorage;
using DurableTask.Core;
using DurableTask.Core.Entities;
using Microsoft.DurableTask.Worker.Shims;

namespace FuncTasks.Testing.Durable;

/// <summary>
/// One worker process of the app: DurableTask.Core's TaskHubWorker on its own Azure Storage orchestration
/// service, dispatching to the registered SDK classes through the SDK shims.
/// </summary>
internal sealed class DurableTestWorker
{
    private readonly AzureStorageOrchestrationService backend;
    private readonly StoppableOrchestrationService service;
    private readonly TaskHubWorker worker;
    private int stopped;

    public DurableTestWorker(
        AzureStorageOrchestrationServiceSettings settings,
        DurableTestRegistry registry,
        DurableTestHostOptions options,
        DurableTaskShimFactory shims)
    {
        backend = new AzureStorageOrchestrationService(settings);
        service = new StoppableOrchestrationService(backend);

        var services = options.Services;
        var orchestrations = new ShimObjectManager<TaskOrchestration>(name =>
            registry.Orchestrators.TryGetValue(name, out var factory)
                ? new ScopedOrchestration(name, factory, services, shims)
                : null);
        var activities = new ShimObjectManager<TaskActivity>(name =>
            registry.Activities.TryGetValue(name, out var factory)
                ? new ScopedActivity(name, factory, services, shims)
                : null);
        var entities = new ShimObjectManager<TaskEntity>(name =>
            registry.Entities.TryGetValue(name, out var factory)
                ? new ScopedEntity(name, factory, services, shims)
                : null);

        worker = new TaskHubWorker(service, orchestrations, activities, entities, options.LoggerFactory)
        {
            ErrorPropagationMode = ErrorPropagationMode.UseFailureDetails,
        };

        worker.AddOrchestrationDispatcherMiddleware(async (context, next) =>
        {
            var orchestration = context.GetProperty<TaskOrchestration>() as ScopedOrchestration;
            if (orchestration is not null)
            {
                orchestration.Parent = context.GetProperty<OrchestrationRuntimeState>()?.ParentInstance;
            }

            try
            {
                await next().ConfigureAwait(false);
            }
            finally
            {
                if (orchestration is not null)
                {
                    await orchestration.DisposeScopeAsync().ConfigureAwait(false);
                }
            }
        });
    }

    public async Task StartAsync() => await worker.StartAsync().ConfigureAwait(false);

    /// <summary>
    /// Forced: the worker dies (takes and finishes nothing more; what it held comes back after the visibility
    /// timeouts). Graceful: in-flight work finishes (for up to about 8 s), as on an app shutdown. Either way the
    /// partition leases are handed back (the backend's forced stop drops its sessions so that takes about 1 s),
    /// so another worker resumes the partitions at once.
    /// </summary>
    public async Task StopAsync(bool force, TimeSpan timeout)
    {
        if (Interlocked.Exchange(ref stopped, 1) == 1)
        {
            return;
        }

        if (force)
        {
            service.Kill();
        }

        var stop = worker.StopAsync(force);
        if (await Task.WhenAny(stop, Task.Delay(timeout)).ConfigureAwait(false) == stop)
        {
            try
            {
                await stop.ConfigureAwait(false);
            }
            catch (Exception) when (force)
            {
                // A dead worker's shutdown errors do not matter.
            }
        }
        else
        {
            // The backend could not release its partitions in time (e.g. the storage is gone); a dead worker
            // may leave them behind: they expire after the lease interval.
            service.Kill();
            _ = stop.ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
        }

        backend.Dispose();
    }
}
