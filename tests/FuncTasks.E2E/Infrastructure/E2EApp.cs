using FuncTasks.Testing;

namespace FuncTasks.E2E.Infrastructure;

/// <summary>
/// The app as a client meets it: one Azurite (free ports, in memory) and one or more Functions hosts running the
/// app's build output on it, with a task hub and tables of their own. Several hosts share the hub and tables:
/// one app scaled out.
/// </summary>
public sealed class E2EApp : IAsyncDisposable
{
    private readonly AzuriteServer azurite;
    private readonly List<FunctionsHost> hosts;

    private E2EApp(AzuriteServer azurite, List<FunctionsHost> hosts, IReadOnlyDictionary<string, string> settings)
    {
        this.azurite = azurite;
        this.hosts = hosts;
        Settings = settings;
        Api = new FuncTasksApi(hosts[0]);
    }

    /// <summary>A client of the first host.</summary>
    public FuncTasksApi Api { get; }

    public IReadOnlyList<FunctionsHost> Hosts => hosts;

    public IReadOnlyDictionary<string, string> Settings { get; }

    public string StorageConnectionString => azurite.ConnectionString;

    /// <summary>Starts Azurite and <paramref name="hostCount"/> hosts (one after the other, as instances join an app).</summary>
    public static async Task<E2EApp> StartAsync(string name, int hostCount = 1, IReadOnlyDictionary<string, string>? settings = null)
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
                hosts.Add(await FunctionsHost.StartAsync($"{name}{i}", azurite.ConnectionString, all).ConfigureAwait(false));
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

        return new E2EApp(azurite, hosts, all);
    }

    /// <summary>A client of the host at <paramref name="index"/>.</summary>
    public FuncTasksApi ApiOf(int index) => index == 0 ? Api : new FuncTasksApi(hosts[index]);

    public async ValueTask DisposeAsync()
    {
        Api.Dispose();
        foreach (var host in hosts)
        {
            await host.DisposeAsync().ConfigureAwait(false);
        }

        await azurite.DisposeAsync().ConfigureAwait(false);
    }
}

/// <summary>One app and host for the tests of a collection: the host takes seconds to start.</summary>
public sealed class SharedApp : IAsyncLifetime
{
    private E2EApp? app;

    public E2EApp App => app ?? throw new InvalidOperationException("The app did not start.");

    public FuncTasksApi Api => App.Api;

    public async Task InitializeAsync()
    {
        if (FunctionsHostLocator.Location is not null)
        {
            app = await E2EApp.StartAsync("shared").ConfigureAwait(false);
        }
    }

    public async Task DisposeAsync()
    {
        if (app is not null)
        {
            await app.DisposeAsync().ConfigureAwait(false);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class SharedAppCollection : ICollectionFixture<SharedApp>
{
    public const string Name = "One app under a Functions host";
}
