using Microsoft.Playwright;

namespace FuncTasks.Tests.Dashboard;

/// <summary>
/// One headless Chromium for the test process, driven by Playwright: the browser named by <c>FUNCTASKS_CHROMIUM</c>,
/// else Playwright's own (installed with its <c>playwright.ps1 install chromium</c>), else <c>chromium</c> on PATH
/// (Debian's package; <c>scripts/test.sh</c> installs it when it runs as root and finds none). Without any, the
/// dashboard tests fail saying what to install.
/// </summary>
public static class DashboardBrowser
{
    /// <summary>
    /// The browser tests run on their own, after the rest of the suite: a Chromium's CPU beside the timing-sensitive
    /// schedule and gate tests on 2 cores would make those flaky, and the tests here wait for the app anyway.
    /// </summary>
    public const string Collection = "The dashboard in a browser";

    public const string MissingMessage =
        "No Chromium for the dashboard tests. Install Debian's (apt-get install chromium), or Playwright's own " +
        "(pwsh tests/FuncTasks.Tests/bin/Debug/net10.0/playwright.ps1 install chromium), or set FUNCTASKS_CHROMIUM to a Chromium executable.";

    private static readonly Lazy<Task<IBrowser>> Browser = new(LaunchAsync);

    public static Task<IBrowser> GetAsync() => Browser.Value;

    private static async Task<IBrowser> LaunchAsync()
    {
        // A loaded 2-core machine can take more than Playwright's 5 s default for a page's first data.
        Assertions.SetDefaultExpectTimeout(15_000);
        var playwright = await Playwright.CreateAsync();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => playwright.Dispose();
        // Chromium refuses to run as root with its sandbox (CI runs as root on a fresh machine).
        string[] args = Environment.UserName == "root" ? ["--no-sandbox", "--disable-dev-shm-usage"] : ["--disable-dev-shm-usage"];

        if (Environment.GetEnvironmentVariable("FUNCTASKS_CHROMIUM") is { Length: > 0 } chosen)
        {
            return await playwright.Chromium.LaunchAsync(new() { ExecutablePath = chosen, Args = args });
        }

        try
        {
            return await playwright.Chromium.LaunchAsync(new() { Args = args });
        }
        catch (PlaywrightException ex) when (ex.Message.Contains("Executable doesn't exist", StringComparison.OrdinalIgnoreCase))
        {
            // Playwright's own browser is not installed: use the system's.
        }

        var system = FindOnPath("chromium", "chromium-browser") ?? throw new InvalidOperationException(MissingMessage);
        return await playwright.Chromium.LaunchAsync(new() { ExecutablePath = system, Args = args });
    }

    private static string? FindOnPath(params string[] names)
    {
        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var name in names)
            {
                var candidate = Path.Combine(folder, name);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }
}

[CollectionDefinition(DashboardBrowser.Collection, DisableParallelization = true)]
public sealed class DashboardCollection
{
}

