using FuncTasks.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace FuncTasks.Tests.Infrastructure;

/// <summary>
/// A test class whose every test has an app of its own (xunit makes one instance of the class per test): started
/// before the test, disposed with its tables and container after it, so no test sees another's data. The
/// constructor's arguments say which app; a class that needs more overrides <see cref="Options"/>.
/// </summary>
public abstract class AppTests(
    IReadOnlyDictionary<string, string?>? settings = null,
    Action<IServiceCollection>? configureServices = null,
    bool withDurable = false) : IAsyncLifetime
{
    private AppHost? app;

    protected AppHost App => app ?? throw new InvalidOperationException("The app starts in InitializeAsync.");

    public virtual async Task InitializeAsync() => app = await AppHost.StartAsync(Options);

    public async Task DisposeAsync()
    {
        if (app is not null)
        {
            await app.DisposeAsync();
        }
    }

    /// <summary>The app's options, given the shared Azurite's connection string.</summary>
    protected virtual FuncTasksTestAppOptions Options(string connectionString) =>
        AppHost.Options(connectionString, settings, configureServices, withDurable);
}
