using FuncTasks.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace FuncTasks.Tests.Infrastructure;

/// <summary>
/// Two instances of the app on one task hub and one set of tables (a scaled-out app), A then B. Both workers stop
/// before the last one deletes the shared hub; the shared tables (a prefix of this pair's choosing) go last.
/// </summary>
public sealed class TwoInstances : IAsyncDisposable
{
    private TwoInstances(AppHost a, AppHost b)
    {
        A = a;
        B = b;
    }

    public AppHost A { get; }

    public AppHost B { get; }

    /// <param name="services">The services of the instance named "A" or "B".</param>
    /// <param name="controlQueueVisibilityTimeout">How soon messages caught in the partition handover when B joins come back (null: the engine's default).</param>
    public static async Task<TwoInstances> StartAsync(Func<string, Action<IServiceCollection>?>? services = null, TimeSpan? controlQueueVisibilityTimeout = null)
    {
        var prefix = TestNames.Unique("t");
        var hub = TestNames.Unique("hub");
        FuncTasksTestAppOptions Instance(string connection, string name) => new()
        {
            StorageConnectionString = connection,
            WithDurable = true,
            Prefix = prefix,
            TaskHub = hub,
            ConfigureServices = services?.Invoke(name),
            ControlQueueVisibilityTimeout = controlQueueVisibilityTimeout,
            DeleteTaskHubOnDispose = name == "B",
        };
        var a = await AppHost.StartAsync(cs => Instance(cs, "A"));
        var b = await AppHost.StartAsync(cs => Instance(cs, "B"));
        return new TwoInstances(a, b);
    }

    public async ValueTask DisposeAsync()
    {
        var storage = A.Storage;
        await Task.WhenAll(A.App.Durable!.StopWorkerAsync(), B.App.Durable!.StopWorkerAsync());
        await A.DisposeAsync();
        await B.DisposeAsync();
        await FuncTasksTestApp.DeleteStorageAsync(storage);
    }
}
