using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace FuncTasks.Testing;

/// <summary>
/// A real Azurite (blob, queue, table) on free loopback ports, in memory, started through
/// azurite/start.sh so the flags live in one place. Stop() kills only this process, by its PID.
/// </summary>
public sealed class AzuriteServer : IAsyncDisposable
{
    private readonly Action<string>? accessLog;
    private Process? process;

    private AzuriteServer(int blobPort, int queuePort, int tablePort, Action<string>? accessLog = null)
    {
        this.accessLog = accessLog;
        BlobPort = blobPort;
        QueuePort = queuePort;
        TablePort = tablePort;
    }

    public int BlobPort { get; }
    public int QueuePort { get; }
    public int TablePort { get; }

    public string ConnectionString =>
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;" +
        "AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;" +
        $"BlobEndpoint=http://127.0.0.1:{BlobPort}/devstoreaccount1;" +
        $"QueueEndpoint=http://127.0.0.1:{QueuePort}/devstoreaccount1;" +
        $"TableEndpoint=http://127.0.0.1:{TablePort}/devstoreaccount1;";

    public bool IsRunning => process is { HasExited: false };

    /// <summary>
    /// Starts Azurite. With <paramref name="accessLog"/>, Azurite writes its access log (one line per request, as it
    /// answers it) and every line it prints goes to that callback, on a thread of its own (for benchmarks that count
    /// storage requests of processes they cannot trace, such as a Functions host).
    /// </summary>
    public static async Task<AzuriteServer> StartAsync(Action<string>? accessLog = null)
    {
        var server = new AzuriteServer(FreePort(), FreePort(), FreePort(), accessLog);
        await server.StartAgainAsync().ConfigureAwait(false);
        return server;
    }

    /// <summary>Starts (or restarts) Azurite on this server's ports; in-memory data starts empty.</summary>
    public async Task StartAgainAsync()
    {
        if (IsRunning)
        {
            return;
        }

        var script = Path.Combine(RepositoryRoot.Path, "azurite", "start.sh");
        var info = new ProcessStartInfo("bash")
        {
            ArgumentList =
            {
                script, "--memory",
                "--blob-port", BlobPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--queue-port", QueuePort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--table-port", TablePort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (accessLog is not null)
        {
            info.ArgumentList.Add("--access-log");
        }

        process = Process.Start(info) ?? throw new InvalidOperationException("Could not start azurite/start.sh");
        var log = accessLog;
        process.OutputDataReceived += (_, line) =>
        {
            if (line.Data is { } text)
            {
                log?.Invoke(text);
            }
        };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        TestProcessRegistry.Register(process.Id);

        var deadline = Stopwatch.StartNew();
        while (!(await IsListeningAsync(BlobPort).ConfigureAwait(false)
                 && await IsListeningAsync(QueuePort).ConfigureAwait(false)
                 && await IsListeningAsync(TablePort).ConfigureAwait(false)))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException(
                    $"Azurite exited with code {process.ExitCode}. Run 'npm ci' in azurite/ (the test command does).");
            }

            if (deadline.Elapsed > TimeSpan.FromSeconds(60))
            {
                Stop();
                throw new TimeoutException("Azurite did not listen within 60 s.");
            }

            await Task.Delay(50).ConfigureAwait(false);
        }
    }

    /// <summary>Kills this Azurite (and only this one) and waits until it is gone.</summary>
    public void Stop()
    {
        if (process is null)
        {
            return;
        }

        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        TestProcessRegistry.Unregister(process.Id);
        process.Dispose();
        process = null;
    }

    public ValueTask DisposeAsync()
    {
        Stop();
        return ValueTask.CompletedTask;
    }

    private static async Task<bool> IsListeningAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port).ConfigureAwait(false);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
