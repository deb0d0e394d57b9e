using FuncTasks.Storage;
using FuncTasks.TaskFunctions;
using Microsoft.Extensions.Hosting;

namespace FuncTasks.Hosting;

/// <summary>
/// Runs at start: builds the task function registry (a duplicate name or a bad return type stops the
/// app here, with a message naming the method) and creates the app's tables and container.
/// </summary>
internal sealed class StartupChecks(TaskFunctionRegistry functions, StorageAccount storage) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = functions.All;
        return storage.EnsureCreatedAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
