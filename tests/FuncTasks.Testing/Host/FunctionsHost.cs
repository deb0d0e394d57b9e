using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Security.Cryptography;
using System.Text.Json;

namespace FuncTasks.Testing.Host;

/// <summary>
/// One Functions host process running the app's build output on a free loopback port, with function and master
/// keys of its own (file secrets) and the settings it is given. Its output goes to a log file beside the test
/// output; disposing stops it by its PID (SIGTERM, then the whole process tree).
/// </summary>
public sealed class FunctionsHost : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(15);

    private readonly Process process;
    private readonly StreamWriter log;
    private readonly Task pump;

    private FunctionsHost(Process process, StreamWriter log, Task pump, Uri baseAddress, string functionKey, string masterKey, string logPath)
    {
        this.process = process;
        this.log = log;
        this.pump = pump;
        BaseAddress = baseAddress;
        FunctionKey = functionKey;
        MasterKey = masterKey;
        LogPath = logPath;
    }

    /// <summary>The app's build output, which the host runs (src/FuncTasks/bin/&lt;Configuration&gt;/net10.0/).</summary>
    public static string AppDirectory { get; } = typeof(FunctionsHost).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "AppDirectory").Value!;

    /// <summary>The Functions app folder this host runs.</summary>
    public string ScriptRoot { get; private init; } = AppDirectory;

    public Uri BaseAddress { get; }
    public string FunctionKey { get; }
    public string MasterKey { get; }
    public string LogPath { get; }
    public int ProcessId => process.Id;

    /// <summary>
    /// Starts a host on <paramref name="storageConnectionString"/> with the app settings given (on top of those
    /// every run needs) and waits until <paramref name="readyPath"/> answers 200. <paramref name="scriptRoot"/> is
    /// the Functions app folder to run (default: this app's build output).
    /// </summary>
    public static async Task<FunctionsHost> StartAsync(
        string name, string storageConnectionString, IReadOnlyDictionary<string, string> appSettings, string? scriptRoot = null, string readyPath = "api/health")
    {
        var location = FunctionsHostLocator.Location ?? throw new InvalidOperationException(FunctionsHostLocator.MissingReason);
        scriptRoot ??= AppDirectory;
        if (!File.Exists(Path.Combine(scriptRoot, "functions.metadata")))
        {
            throw new InvalidOperationException($"The app is not built: {Path.Combine(scriptRoot, "functions.metadata")} is missing (dotnet build FuncTasks.sln).");
        }

        var port = FreePort();
        var run = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"functasks-e2e-{name}-{Guid.NewGuid():N}"));
        var functionKey = NewKey();
        var masterKey = NewKey();
        WriteSecrets(Path.Combine(run.FullName, "secrets"), functionKey, masterKey);

        var settings = new Dictionary<string, string>
        {
            ["AzureWebJobsStorage"] = storageConnectionString,
            ["FUNCTIONS_WORKER_RUNTIME"] = "dotnet-isolated",
            ["AzureWebJobsSecretStorageType"] = "files",
            ["FUNCTIONS_SECRETS_PATH"] = Path.Combine(run.FullName, "secrets"),
            ["FUNCTIONS_LOG_PATH"] = Path.Combine(run.FullName, "logs"),
            ["AZURE_FUNCTIONS_ENVIRONMENT"] = "Development", // the host logs to stdout only in Development
            ["AzureFunctionsJobHost__logging__logLevel__Azure.Core"] = "Warning", // every storage request otherwise
        };
        foreach (var (key, value) in appSettings)
        {
            settings[key] = value;
        }

        var info = location.HostDll is { } dll ? HostFolderStart(dll, scriptRoot, port, settings) : CoreToolsStart(location.Func!, scriptRoot, port, run.FullName, settings);
        info.WorkingDirectory ??= run.FullName;
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;

        // A machine of Azure's marks itself with these; the host would then act as if it ran in a Linux plan.
        foreach (var marker in new[] { "CONTAINER_NAME", "WEBSITE_INSTANCE_ID", "WEBSITE_SITE_NAME", "WEBSITE_POD_NAME" })
        {
            info.Environment.Remove(marker);
        }

        var logPath = Path.Combine(AppContext.BaseDirectory, "e2e-logs", $"{name}-{DateTime.UtcNow:HHmmss}-{port}.log");
        Directory.CreateDirectory(Path.GetDirectoryName(logPath)!);
        var log = new StreamWriter(logPath) { AutoFlush = true };
        var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {info.FileName}.");
        TestProcessRegistry.Register(process.Id);
        var pump = Task.WhenAll(Pump(process.StandardOutput, log), Pump(process.StandardError, log));
        var host = new FunctionsHost(process, log, pump, new Uri($"http://127.0.0.1:{port}/"), functionKey, masterKey, logPath) { ScriptRoot = scriptRoot };
        try
        {
            await host.WaitUntilReadyAsync(readyPath).ConfigureAwait(false);
        }
        catch
        {
            await host.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return host;
    }

    /// <summary>An HTTP client on this host that sends the function key.</summary>
    public HttpClient CreateClient(bool withKey = true)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(100) };
        if (withKey)
        {
            client.DefaultRequestHeaders.Add("x-functions-key", FunctionKey);
        }

        return client;
    }

    /// <summary>The last lines the host wrote, for a failure message.</summary>
    public string Tail(int lines = 60)
    {
        try
        {
            using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            var all = reader.ReadToEnd().Split('\n');
            return string.Join('\n', all.TakeLast(lines));
        }
        catch (IOException e)
        {
            return $"(host log unreadable: {e.Message})";
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            // SIGTERM: the host stops its worker and releases its partitions.
            using (var term = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", process.Id.ToString(CultureInfo.InvariantCulture) } }))
            {
                await term!.WaitForExitAsync().ConfigureAwait(false);
            }

            using var stopped = new CancellationTokenSource(StopTimeout);
            try
            {
                await process.WaitForExitAsync(stopped.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync().ConfigureAwait(false);
            }
        }

        await pump.ConfigureAwait(false);
        TestProcessRegistry.Unregister(process.Id);
        await log.DisposeAsync().ConfigureAwait(false);
        process.Dispose();
    }

    private static ProcessStartInfo HostFolderStart(string dll, string scriptRoot, int port, Dictionary<string, string> settings)
    {
        var info = new ProcessStartInfo("dotnet") { ArgumentList = { dll } };
        foreach (var (key, value) in settings)
        {
            info.Environment[key] = value;
        }

        info.Environment["AzureWebJobsScriptRoot"] = scriptRoot;
        info.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        // The Durable client binding builds its webhook URLs from this; without it [DurableClient] fails.
        info.Environment["WEBSITE_HOSTNAME"] = $"127.0.0.1:{port}";
        // The host is built for net8.0; on a machine with only a newer runtime it rolls forward.
        info.Environment["DOTNET_ROLL_FORWARD"] = "Major";
        return info;
    }

    /// <summary>Core Tools reads its settings from local.settings.json in the app folder: it runs a copy with ours.</summary>
    private static ProcessStartInfo CoreToolsStart(string func, string scriptRoot, int port, string runDirectory, Dictionary<string, string> settings)
    {
        var app = Path.Combine(runDirectory, "app");
        CopyDirectory(scriptRoot, app);
        File.WriteAllText(Path.Combine(app, "local.settings.json"), JsonSerializer.Serialize(new { IsEncrypted = false, Values = settings }));
        return new ProcessStartInfo(func)
        {
            ArgumentList = { "start", "--port", port.ToString(CultureInfo.InvariantCulture), "--enableAuth" },
            WorkingDirectory = app,
        };
    }

    private async Task WaitUntilReadyAsync(string readyPath)
    {
        using var client = CreateClient(withKey: false);
        client.Timeout = TimeSpan.FromSeconds(5);
        var started = Stopwatch.StartNew();
        while (started.Elapsed < StartTimeout)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The Functions host exited ({process.ExitCode}) while starting:\n{Tail()}");
            }

            try
            {
                using var response = await client.GetAsync(new Uri(readyPath, UriKind.Relative)).ConfigureAwait(false);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            await Task.Delay(250).ConfigureAwait(false);
        }

        throw new TimeoutException($"The Functions host did not answer /{readyPath} within {StartTimeout.TotalSeconds} s:\n{Tail()}");
    }

    private static async Task Pump(StreamReader from, StreamWriter to)
    {
        while (await from.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            lock (to)
            {
                to.WriteLine(line);
            }
        }
    }

    private static void WriteSecrets(string folder, string functionKey, string masterKey)
    {
        Directory.CreateDirectory(folder);
        var secrets = new
        {
            masterKey = new { name = "master", value = masterKey, encrypted = false },
            functionKeys = new[] { new { name = "default", value = functionKey, encrypted = false } },
            systemKeys = Array.Empty<object>(),
            hostName = (string?)null,
            instanceId = Guid.NewGuid().ToString("N"),
            source = "runtime",
            decryptionKeyId = "",
        };
        File.WriteAllText(Path.Combine(folder, "host.json"), JsonSerializer.Serialize(secrets));
    }

    private static string NewKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(30)).Replace('+', '-').Replace('/', '_');

    private static void CopyDirectory(string from, string to)
    {
        foreach (var dir in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(Path.Combine(to, Path.GetRelativePath(from, dir)));
        }

        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories).Where(f => Path.GetFileName(f) != "local.settings.json"))
        {
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
