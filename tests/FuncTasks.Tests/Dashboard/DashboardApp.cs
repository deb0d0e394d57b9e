using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using FuncTasks.Testing;
using FuncTasks.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace FuncTasks.Tests.Dashboard;

/// <summary>
/// The app for a class of dashboard tests: its HTTP functions served on a loopback port (Kestrel) so a browser can
/// open it, function keys enforced as the Functions host does, the durable engine running its jobs, on the shared
/// Azurite. Pages are opened in fresh browser contexts (their own session storage) and watched for script errors.
/// </summary>
public class DashboardApp : IAsyncLifetime
{
    public const string FunctionKey = "dashboard-test-function-key";

    private readonly ConcurrentBag<IBrowserContext> contexts = [];

    public AppHost App { get; private set; } = null!;

    public Uri BaseAddress => App.App.BaseAddress;

    public string DashboardUrl => new Uri(BaseAddress, "api/dashboard").ToString();

    /// <summary>Every request a page made (method and URL) and uncaught script errors, per page.</summary>
    public ConcurrentDictionary<IPage, ConcurrentQueue<string>> ScriptErrors { get; } = new();

    public ConcurrentQueue<IRequest> Requests { get; } = new();

    protected virtual IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>();

    protected virtual void ConfigureServices(IServiceCollection services)
    {
    }

    /// <summary>Whether the tests of this app open pages in the shared Chromium (launched with the app, so a missing one fails early).</summary>
    protected virtual bool UsesChromium => true;

    public async Task InitializeAsync()
    {
        App = await AppHost.StartAsync(connectionString => new FuncTasksTestAppOptions
        {
            StorageConnectionString = connectionString,
            WithDurable = true,
            Listen = true,
            FunctionKey = FunctionKey,
            Settings = Settings,
            ConfigureServices = ConfigureServices,
        });
        if (UsesChromium)
        {
            await DashboardBrowser.GetAsync();
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var context in contexts)
        {
            await context.DisposeAsync();
        }

        await App.DisposeAsync();
    }

    /// <summary>A page in a context of its own; with <paramref name="signedIn"/> it opens the dashboard through a #code= link.</summary>
    public async Task<IPage> OpenAsync(int width = 1280, int height = 800, bool signedIn = true, string route = "")
    {
        var browser = await DashboardBrowser.GetAsync();
        var context = await browser.NewContextAsync(new() { ViewportSize = new() { Width = width, Height = height }, AcceptDownloads = true, Locale = "en-GB", TimezoneId = "UTC" });
        context.SetDefaultTimeout(15_000);
        contexts.Add(context);
        var page = await context.NewPageAsync();
        var errors = ScriptErrors.GetOrAdd(page, _ => new ConcurrentQueue<string>());
        page.PageError += (_, error) => errors.Enqueue(error);
        page.Console += (_, message) =>
        {
            // A refused call is logged by the browser as "Failed to load resource"; that is the page working, not a script error.
            if (message.Type == "error" && !message.Text.StartsWith("Failed to load resource", StringComparison.Ordinal))
            {
                errors.Enqueue(message.Text);
            }
        };
        page.Request += (_, request) => Requests.Enqueue(request);
        await page.GotoAsync(signedIn ? $"{DashboardUrl}#code={FunctionKey}" : DashboardUrl);
        if (signedIn)
        {
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Overview", Level = 1 })).ToBeVisibleAsync();
        }

        if (route.Length > 0)
        {
            await page.EvaluateAsync("route => { location.hash = route; }", route);
        }

        return page;
    }

    /// <summary>No uncaught script error and no console error on the page.</summary>
    public void AssertNoScriptErrors(IPage page) => Assert.Empty(ScriptErrors.GetOrAdd(page, _ => new ConcurrentQueue<string>()));

    // ---- Data through the API (the test's own setup, with the function key).

    public async Task<string> CreateTaskAsync(object spec)
    {
        using var response = await App.Client.PostAsync("api/v1/tasks", Body(spec));
        return (await ExpectAsync(response, HttpStatusCode.Created)).GetProperty("id").GetString()!;
    }

    public async Task<string> ExecuteAsync(string taskId, object? body = null)
    {
        using var response = await App.Client.PostAsync($"api/v1/tasks/{taskId}/$execute", body is null ? null : Body(body));
        return (await ExpectAsync(response, HttpStatusCode.Accepted)).GetProperty("job_id").GetString()!;
    }

    public async Task<JsonElement> GetAsync(string path, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var response = await App.Client.GetAsync(path);
        return await ExpectAsync(response, expected);
    }

    public async Task<JsonElement> WaitForJobAsync(string jobId, params string[] statuses)
    {
        statuses = statuses.Length == 0 ? ["completed", "failed", "canceled"] : statuses;
        return await Poll.UntilAsync(() => GetAsync($"api/v1/jobs/{jobId}"), job => statuses.Contains(job.GetProperty("status").GetString()),
            job => $"job {jobId} did not become {string.Join("/", statuses)}: {job}", TimeSpan.FromSeconds(60));
    }

    private static StringContent Body(object value) =>
        new(value as string ?? JsonSerializer.Serialize(value), System.Text.Encoding.UTF8, "application/json");

    private static async Task<JsonElement> ExpectAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }
}
