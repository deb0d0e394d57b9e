namespace FuncTasks.Testing.Host;

/// <summary>
/// The app as a client meets it: one Azurite (free ports, in memory) and one or more Functions hosts running the
/// app's build output on it, with a task hub and tables of their own. Several hosts share the hub and tables:
/// one app scaled out. Several apps can share one Azurite (each its own hub and tables): pass it in.
/// </summary>
public sealed class HostedApp : IAsyncDisposable
{
    private readonly AzuriteServer azurite;
    private readonly bool ownsAzurite;
    private readonly List<FunctionsHost> hosts;

    private HostedApp(AzuriteServer azurite, bool ownsAzurite, List<FunctionsHost> hosts, IReadOnlyDictionary<string, string> settings)
    {
        this.azurite = azurite;
        this.ownsAzurite = ownsAzurite;
        this.hosts = hosts;
        Settings = settings;
    }

    public IReadOnlyList<FunctionsHost> Hosts => hosts;

    public IReadOnlyDictionary<string, string> Settings { get; }

    public string StorageConnectionString => azurite.ConnectionString;

    /// <summary>The Durable task hub of the app (its <c>FuncTasksTaskHub</c> setting).</summary>
    public string TaskHub => Settings["FuncTasksTaskHub"];

    /// <summary>
    /// Starts Azurite and <paramref name="hostCount"/> hosts (one after the other, as instances join an app) of the
    /// Functions app in <paramref name="scriptRoot"/> (default: this app's build output). With
    /// <paramref name="storage"/> the hosts run on that Azurite instead, which the caller keeps and stops.
    /// </summary>
    public static async Task<HostedApp> StartAsync(
        string name, int hostCount = 1, IReadOnlyDictionary<string, string>? settings = null, string? scriptRoot = null, string readyPath = "api/health",
        AzuriteServer? storage = null)
    {
        var unique = TestNames.Unique("e");
        var all = new Dictionary<string, string>
        {
            ["FuncTasksTaskHub"] = $"hub{unique}",
            ["FuncTasks__Storage__TablePrefix"] = unique,
            // RunOnStartup still sweeps once at start; tests run it when they need it, through the admin API.
            ["FuncTasksSweepSchedule"] = "0 0 0 1 1 *",
            ["FuncTasks__Shell__Enabled"] = "true",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            all[key] = value;
        }

        var azurite = storage ?? await AzuriteServer.StartAsync().ConfigureAwait(false);
        var hosts = new List<FunctionsHost>();
        try
        {
            for (var i = 0; i < hostCount; i++)
            {
                hosts.Add(await FunctionsHost.StartAsync($"{name}{i}", azurite.ConnectionString, all, scriptRoot, readyPath).ConfigureAwait(false));
            }
        }
        catch
        {
            foreach (var host in hosts)
            {
                await host.DisposeAsync().ConfigureAwait(false);
            }

            if (storage is null)
            {
                await azurite.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }

        return new HostedApp(azurite, storage is null, hosts, all);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in hosts)
        {
            await host.DisposeAsync().ConfigureAwait(false);
        }

        if (ownsAzurite)
        {
            await azurite.DisposeAsync().ConfigureAwait(false);
        }
    }
}
