using DurableTask.AzureStorage;
using DurableTask.Core.Entities;
using FuncTasks.Testing.Durable;

namespace FuncTasks.Benchmarks.Durable;

/// <summary>
/// What caps parallel work in the durable engine FuncTasksTestApp runs (DurableTask.Core's TaskHubWorker on the Azure
/// Storage backend): read from a backend built with the settings DurableTestHost gives it, not assumed.
/// </summary>
internal static class EngineLimits
{
    public static string Describe(int maxConcurrentActivities)
    {
        var defaults = new DurableTestHostOptions { StorageConnectionString = "UseDevelopmentStorage=true", TaskHubName = "limits", Services = EmptyServices.Instance };
        var settings = new AzureStorageOrchestrationServiceSettings
        {
            TaskHubName = "limits",
            StorageAccountClientProvider = new StorageAccountClientProvider("UseDevelopmentStorage=true"),
            PartitionCount = defaults.PartitionCount,
            MaxQueuePollingInterval = defaults.MaxQueuePollingInterval,
            MaxConcurrentTaskActivityWorkItems = maxConcurrentActivities,
            MaxConcurrentTaskOrchestrationWorkItems = defaults.MaxConcurrentOrchestrations,
            MaxConcurrentTaskEntityWorkItems = defaults.MaxConcurrentEntities,
            UseSeparateQueueForEntityWorkItems = true,
        };
        using var service = new AzureStorageOrchestrationService(settings);
        var core = service;
        var entities = (service as IEntityOrchestrationService)?.EntityBackendProperties;
        ThreadPool.GetMinThreads(out var minWorkers, out var minIo);
        return $"TaskHubWorker limits: activities {core.MaxConcurrentTaskActivityWorkItems} at once ({core.TaskActivityDispatcherCount} fetch loop), " +
               $"orchestration work items {core.MaxConcurrentTaskOrchestrationWorkItems} ({core.TaskOrchestrationDispatcherCount} fetch loop), " +
               $"entity work items {entities?.MaxConcurrentTaskEntityWorkItems.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "?"}; " +
               $"{settings.PartitionCount} partitions, control-queue batch {settings.ControlQueueBatchSize}, buffer {settings.ControlQueueBufferThreshold} messages, " +
               $"storage operations {settings.MaxStorageOperationConcurrency} at once, polling up to {settings.MaxQueuePollingInterval.TotalMilliseconds:0} ms. " +
               $"Nothing there scales with Environment.ProcessorCount ({Environment.ProcessorCount}) except the storage-operation cap (25 x cores) " +
               $"and the .NET thread pool (min {minWorkers} workers / {minIo} IO threads, grows on demand).";
    }

    private sealed class EmptyServices : IServiceProvider
    {
        public static readonly EmptyServices Instance = new();

        public object? GetService(Type serviceType) => null;
    }
}
