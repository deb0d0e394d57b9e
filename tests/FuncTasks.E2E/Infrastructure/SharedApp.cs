using FuncTasks.Testing.Host;

namespace FuncTasks.E2E.Infrastructure;

/// <summary>One app and host for the tests of a collection: the host takes seconds to start.</summary>
public sealed class SharedApp : IAsyncLifetime
{
    private HostedApp? app;
    private FuncTasksApi? api;

    public HostedApp App => app ?? throw new InvalidOperationException("The app did not start.");

    public FuncTasksApi Api => api ?? throw new InvalidOperationException("The app did not start.");

    public async Task InitializeAsync()
    {
        if (FunctionsHostLocator.Location is not null)
        {
            // Keep-alives every second, so a stream test sees them within a short job.
            app = await HostedApp.StartAsync("shared", settings: new Dictionary<string, string> { ["FuncTasks__Stream__KeepAliveSeconds"] = "1" })
                .ConfigureAwait(false);
            api = new FuncTasksApi(app.Hosts[0]);
        }
    }

    public async Task DisposeAsync()
    {
        api?.Dispose();
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
