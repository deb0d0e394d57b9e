namespace FuncTasks.Testing.Host;

/// <summary>
/// The app as a client meets it: one Azurite (free ports, in memory) and one or more Functions hosts running the
/// app's build output on it, with a task hub and tables of their own. Several hosts share the hub and tables:
/// one app scaled out.
/// </summary>
public sealed class HostedApp : IAsyncDisposable
{
    private readonly AzuriteServer azurite;
    private readonly List<FunctionsHost> hosts;

    private HostedApp(AzuriteServer azurite, List<FunctionsHost> hosts, IReadOnlyDictionary<string, string> settings)
    {
        this.azurite = azurite;
        this.hosts = hosts;
        Settings = settings;
    }

    public IReadOnlyList<FunctionsHost> Hosts => hosts;

    public IReadOnlyDictionary<string, string> Settings { get; }

    public string StorageConnectionString => azurite.ConnectionString;

    /// <summary>
    /// Starts Azurite and <paramref name="hostCount"/> hosts (one after the other, as instances join an app) of the
    /// Functions app in <paramref name="scriptRoot"/> (default: this app's build output).
    /// </summary>
    public static async Task<HostedApp> StartAsync(
        string name, int hostCount = 1, IReadOnlyDictionary<string, string>? settings = null, string? scriptRoot = null, string readyPath = "api/health")
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

        var azurite = await AzuriteServer.StartAsync().ConfigureAwait(false);
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

            await azurite.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return new HostedApp(azurite, hosts, all);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in hosts)
        {
            await host.DisposeAsync().ConfigureAwait(false);
        }

        await azurite.DisposeAsync().ConfigureAwait(false);
    }
}
