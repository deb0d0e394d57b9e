using FuncTasks.Storage;
using Microsoft.Extensions.Hosting;

namespace FuncTasks.Hosting;

/// <summary>Creates the app's tables and container at start, so the first request finds them.</summary>
internal sealed class StorageInitializer(StorageAccount storage) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => storage.EnsureCreatedAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
