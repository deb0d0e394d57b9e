using FuncTasks.Storage;
using FuncTasks.Testing.Durable;
using FuncTasks.Testing.Http;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FuncTasks.Testing;

/// <summary>
/// One instance of the app for a test: its HTTP functions (routed by functions.metadata) and, when
/// asked, its orchestrations, activities and entity on the real durable engine, all on one Azurite,
/// with tables, container and task hub of its own. Several instances can share a task hub and tables
/// (<see cref="FuncTasksTestAppOptions.Prefix"/>, <see cref="FuncTasksTestAppOptions.TaskHub"/>) to act as a scaled-out app.
/// </summary>
public sealed class FuncTasksTestApp : IAsyncDisposable
{
    private readonly FunctionsTestHost http;
    private readonly ClientHolder holder;

    private FuncTasksTestApp(FunctionsTestHost http, DurableTestHost? durable, ClientHolder holder, string prefix)
    {
        this.http = http;
        Durable = durable;
        this.holder = holder;
        Prefix = prefix;
    }

    public string Prefix { get; }

    /// <summary>Whether this app made its own tables (a fresh prefix), so disposing it deletes them.</summary>
    public bool OwnsStorage { get; private init; }
    public HttpClient Client => http.Client;

    /// <summary>Where the app answers (a loopback URL when started with <see cref="FuncTasksTestAppOptions.Listen"/>).</summary>
    public Uri BaseAddress => http.BaseAddress;
    public IServiceProvider Services => http.Services;
    public StorageAccount Storage => Services.GetRequiredService<StorageAccount>();
    public DurableTestHost? Durable { get; }
    public DurableTaskClient DurableClient => Durable?.Client ?? throw new InvalidOperationException("This app was started without the durable engine.");

    public static async Task<FuncTasksTestApp> StartAsync(FuncTasksTestAppOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var prefix = options.Prefix ?? TestNames.Unique("t");
        var settings = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = options.StorageConnectionString,
            ["FuncTasks:Storage:TablePrefix"] = prefix,
            ["FuncTasks:Shell:Enabled"] = "true",
            ["FuncTasks:Execution:CancelPollMilliseconds"] = "100",
            ["FuncTasks:Stream:PollMilliseconds"] = "100",
        };
        foreach (var (key, value) in options.Settings)
        {
            settings[key] = value;
        }

        // A prefix given in the settings makes this an instance of another app's storage.
        var ownsStorage = options.Prefix is null && settings["FuncTasks:Storage:TablePrefix"] == prefix;
        prefix = settings["FuncTasks:Storage:TablePrefix"]!;

        var holder = new ClientHolder();
        var http = await FunctionsTestHost.StartAsync(settings, services =>
        {
            services.AddSingleton(_ => holder.Client ?? throw new InvalidOperationException("This app was started without the durable engine."));
            options.ConfigureServices?.Invoke(services);
        }, options.Listen, options.FunctionKey).ConfigureAwait(false);

        DurableTestHost? durable = null;
        if (options.WithDurable)
        {
            try
            {
                var hub = options.TaskHub ?? TestNames.Unique("hub");
                var defaults = new DurableTestHostOptions { StorageConnectionString = options.StorageConnectionString, TaskHubName = hub, Services = http.Services };
                durable = await DurableTestHost.StartAsync(new DurableTestHostOptions
                {
                    StorageConnectionString = options.StorageConnectionString,
                    TaskHubName = hub,
                    Services = http.Services,
                    DataConverter = AppDurableWiring.DataConverter,
                    ClientDataConverter = AppDurableWiring.ClientDataConverter,
                    LoggerFactory = options.LoggerFactory ?? Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance,
                    MaxConcurrentActivities = options.MaxConcurrentActivities,
                    DeleteTaskHubOnDispose = options.DeleteTaskHubOnDispose,
                    ControlQueueVisibilityTimeout = options.ControlQueueVisibilityTimeout ?? defaults.ControlQueueVisibilityTimeout,
                    WorkItemQueueVisibilityTimeout = options.WorkItemQueueVisibilityTimeout ?? defaults.WorkItemQueueVisibilityTimeout,
                }, registry => AppDurableWiring.Register(registry, () => holder.Client!)).ConfigureAwait(false);
                holder.Client = durable.Client;
            }
            catch
            {
                await http.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }

        return new FuncTasksTestApp(http, durable, holder, prefix) { OwnsStorage = ownsStorage };
    }

    /// <summary>Stops the app; deletes its tables and container when it owns them (<see cref="OwnsStorage"/>).</summary>
    public async ValueTask DisposeAsync()
    {
        var storage = Storage;
        if (Durable is not null)
        {
            await Durable.DisposeAsync().ConfigureAwait(false);
        }

        holder.Client = null;
        await http.DisposeAsync().ConfigureAwait(false);
        if (OwnsStorage)
        {
            await DeleteStorageAsync(storage).ConfigureAwait(false);
        }
    }

    /// <summary>Deletes the app's tables and container (for apps that share a prefix, the test that chose it calls this).</summary>
    public static async Task DeleteStorageAsync(StorageAccount storage)
    {
        ArgumentNullException.ThrowIfNull(storage);
        try
        {
            await storage.Tasks.DeleteAsync().ConfigureAwait(false);
            await storage.Jobs.DeleteAsync().ConfigureAwait(false);
            await storage.ArtifactIndex.DeleteAsync().ConfigureAwait(false);
            await storage.Schedules.DeleteAsync().ConfigureAwait(false);
            await storage.IdempotencyKeys.DeleteAsync().ConfigureAwait(false);
            await storage.Artifacts.DeleteIfExistsAsync().ConfigureAwait(false);
            await storage.Logs.DeleteIfExistsAsync().ConfigureAwait(false);
        }
        catch (Azure.RequestFailedException)
        {
            // Azurite already stopped (a test that takes storage down); nothing to clean.
        }
    }

    private sealed class ClientHolder
    {
        public DurableTaskClient? Client { get; set; }
    }
}

public sealed class FuncTasksTestAppOptions
{
    public required string StorageConnectionString { get; init; }
    public bool WithDurable { get; init; }

    /// <summary>Serve on a loopback port (Kestrel) rather than in memory, so a browser can open the app.</summary>
    public bool Listen { get; init; }

    /// <summary>When set, functions of auth level Function answer 401 without this key, as under the host; <see cref="FuncTasksTestApp.Client"/> sends it.</summary>
    public string? FunctionKey { get; init; }

    /// <summary>Table prefix; give two apps the same one (and the same <see cref="TaskHub"/>) to make them one scaled-out app.</summary>
    public string? Prefix { get; init; }
    public string? TaskHub { get; init; }
    public IReadOnlyDictionary<string, string?> Settings { get; init; } = new Dictionary<string, string?>();
    public Action<IServiceCollection>? ConfigureServices { get; init; }
    public ILoggerFactory? LoggerFactory { get; init; }
    public int MaxConcurrentActivities { get; init; } = 10;
    public bool DeleteTaskHubOnDispose { get; init; } = true;

    /// <summary>Passed to <see cref="DurableTestHostOptions.ControlQueueVisibilityTimeout"/> (null: its default).</summary>
    public TimeSpan? ControlQueueVisibilityTimeout { get; init; }

    /// <summary>Passed to <see cref="DurableTestHostOptions.WorkItemQueueVisibilityTimeout"/> (null: its default); how long
    /// an activity that was running on a dead worker waits before another worker runs it again.</summary>
    public TimeSpan? WorkItemQueueVisibilityTimeout { get; init; }
}

public static class TestNames
{
    private static int counter;

    /// <summary>A short name unique to this process: lowercase letters and digits, starting with <paramref name="start"/>.</summary>
    public static string Unique(string start) =>
        start + Environment.ProcessId.ToString("x", System.Globalization.CultureInfo.InvariantCulture)
              + Interlocked.Increment(ref counter).ToString(System.Globalization.CultureInfo.InvariantCulture)
              + Guid.NewGuid().ToString("N")[..6];
}
