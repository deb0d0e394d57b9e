using DurableTask.AzureStorage;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Worker;
using Microsoft.DurableTask.Worker.Shims;

namespace FuncTasks.Testing.Durable;

/// <summary>
/// Runs the app's orchestrators, activities and durable entities on the real durable engine in-process:
/// DurableTask.Core's TaskHubWorker with the Azure Storage backend (the one the Functions host uses) on
/// Azurite, the SDK classes wrapped by the SDK's own shims, and a real <see cref="DurableTaskClient"/>.
/// One host is one app instance: several hosts with the same task hub and storage share its work (scale-out).
/// </summary>
public sealed class DurableTestHost : IAsyncDisposable
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(20);

    private readonly DurableTestHostOptions options;
    private readonly DurableTestRegistry registry;
    private readonly DurableTaskShimFactory shims;
    private readonly AzureStorageOrchestrationService clientService;
    private readonly TestDurableTaskClient client;
    private readonly SemaphoreSlim gate = new(1, 1);
    private DurableTestWorker? worker;
    private bool disposed;

    private DurableTestHost(DurableTestHostOptions options, DurableTestRegistry registry)
    {
        this.options = options;
        this.registry = registry;
        WorkerId = options.WorkerId ?? $"{Environment.MachineName}-{Guid.NewGuid():N}";
        shims = new DurableTaskShimFactory(
            new DurableTaskWorkerOptions { DataConverter = options.DataConverter, EnableEntitySupport = true },
            options.LoggerFactory);
        clientService = new AzureStorageOrchestrationService(CreateSettings());
        client = new TestDurableTaskClient(
            $"{options.TaskHubName}-client", clientService, options.ClientDataConverter ?? options.DataConverter, options.ClientPollingInterval);
    }

    /// <summary>A real DurableTaskClient on the task hub, including <see cref="DurableTaskClient.Entities"/>.</summary>
    public DurableTaskClient Client => client;

    public string TaskHubName => options.TaskHubName;

    /// <summary>This host's identity in the partition (lease) table; kept across <see cref="StartWorkerAsync"/>.</summary>
    public string WorkerId { get; }

    public bool IsWorkerRunning => worker is not null;

    public static async Task<DurableTestHost> StartAsync(DurableTestHostOptions options, Action<DurableTestRegistry> register)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(register);
        ArgumentException.ThrowIfNullOrEmpty(options.StorageConnectionString);
        ArgumentNullException.ThrowIfNull(options.Services);
        ValidateTaskHubName(options.TaskHubName);
        if (options.PartitionCount is < 1 or > 16)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "PartitionCount must be between 1 and 16.");
        }

        var registry = new DurableTestRegistry();
        register(registry);

        var host = new DurableTestHost(options, registry);
        try
        {
            await host.StartWorkerAsync().ConfigureAwait(false);
        }
        catch
        {
            await host.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return host;
    }

    /// <summary>
    /// Stops this host's worker. <paramref name="force"/> (the default) simulates the app process dying
    /// mid-work: from this moment the worker takes no new work and completes nothing it was doing (activity
    /// code already running goes on in the background, but its result is dropped); the messages it held come
    /// back after the visibility timeouts (<see cref="DurableTestHostOptions.ControlQueueVisibilityTimeout"/>,
    /// <see cref="DurableTestHostOptions.WorkItemQueueVisibilityTimeout"/>). Without force, it is a graceful
    /// shutdown that lets in-flight work items finish (for up to about 8 s); control-queue messages the worker had
    /// already read but not yet processed still come back only after the visibility timeout (the backend drops
    /// them from memory without abandoning them). Either way its partitions are released at once (in about 1 s),
    /// so another worker, or <see cref="StartWorkerAsync"/>, takes them over immediately. The client keeps working.
    /// </summary>
    public async Task StopWorkerAsync(bool force = true)
    {
        await gate.WaitAsync().ConfigureAwait(false);
        try
        {
            var current = worker;
            worker = null;
            if (current is not null)
            {
                await current.StopAsync(force, StopTimeout).ConfigureAwait(false);
            }
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Starts a fresh worker (same worker id) on the task hub; it picks up whatever work is waiting.</summary>
    public async Task StartWorkerAsync()
    {
        await gate.WaitAsync().ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(disposed, this);
            if (worker is not null)
            {
                throw new InvalidOperationException("The worker is already running; stop it first.");
            }

            var fresh = new DurableTestWorker(CreateSettings(), registry, options, shims);
            await fresh.StartAsync().ConfigureAwait(false);
            worker = fresh;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Stops the worker (forced) and deletes the task hub's storage (best effort).</summary>
    public async ValueTask DisposeAsync()
    {
        if (disposed)
        {
            return;
        }

        await StopWorkerAsync(force: true).ConfigureAwait(false);
        disposed = true;

        if (options.DeleteTaskHubOnDispose)
        {
            try
            {
                await clientService.DeleteAsync(deleteInstanceStore: true).WaitAsync(StopTimeout).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // Cleanup is best effort: a test must not fail because Azurite is already gone.
            catch (Exception)
#pragma warning restore CA1031
            {
            }
        }

        await client.DisposeAsync().ConfigureAwait(false);
        gate.Dispose();
    }

    private AzureStorageOrchestrationServiceSettings CreateSettings() => new()
    {
        TaskHubName = options.TaskHubName,
        StorageAccountClientProvider = new StorageAccountClientProvider(options.StorageConnectionString),
        WorkerId = WorkerId,
        PartitionCount = options.PartitionCount,
        MaxQueuePollingInterval = options.MaxQueuePollingInterval,
        MaxConcurrentTaskActivityWorkItems = options.MaxConcurrentActivities,
        MaxConcurrentTaskOrchestrationWorkItems = options.MaxConcurrentOrchestrations,
        MaxConcurrentTaskEntityWorkItems = options.MaxConcurrentEntities,
        UseSeparateQueueForEntityWorkItems = true,
        EntityMessageReorderWindowInMinutes = options.EntityMessageReorderWindowInMinutes,

        // The app lease only arbitrates between different apps sharing a hub; our hosts are one app.
        UseAppLease = false,
        LeaseAcquireInterval = options.LeaseAcquireInterval,
        ControlQueueVisibilityTimeout = options.ControlQueueVisibilityTimeout,
        WorkItemQueueVisibilityTimeout = options.WorkItemQueueVisibilityTimeout,
        LoggerFactory = options.LoggerFactory,
    };

    private static void ValidateTaskHubName(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.Length is < 3 or > 45 || !char.IsAsciiLetter(name[0]) || !name.All(char.IsAsciiLetterOrDigit))
        {
            throw new ArgumentException(
                $"Task hub name '{name}' is invalid: use 3 to 45 letters and digits, starting with a letter.",
                nameof(name));
        }
    }
}
