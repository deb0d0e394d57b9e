using FuncTasks.Testing;

namespace FuncTasks.Tests.Infrastructure;

/// <summary>
/// One Azurite for the whole test assembly (tests isolate themselves with their own tables, containers
/// and task hubs). Started on first use, stopped by PID when the test process exits.
/// </summary>
public static class SharedAzurite
{
    private static readonly Lazy<Task<AzuriteServer>> Server = new(StartAsync);

    public static Task<AzuriteServer> GetAsync() => Server.Value;

    private static async Task<AzuriteServer> StartAsync()
    {
        var server = await AzuriteServer.StartAsync();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Stop();
        return server;
    }
}
