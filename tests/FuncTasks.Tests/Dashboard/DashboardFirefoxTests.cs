using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using FuncTasks.Tasks;
using FuncTasks.Testing;
using Microsoft.Extensions.DependencyInjection;
using NUlid;
using Xunit.Abstractions;

namespace FuncTasks.Tests.Dashboard;

/// <summary>
/// The dashboard in Firefox: Playwright drives only its own patched Firefox, so <c>Dashboard/firefox/dashboard-firefox.mjs</c>
/// drives a stock one (Debian's <c>firefox-esr</c>) over WebDriver BiDi with puppeteer-core, through the flows the
/// Chromium tests go through. This test starts the app, seeds what the script needs and runs it with Node.
/// </summary>
[Collection(DashboardBrowser.Collection)]
public sealed class DashboardFirefoxTests(DashboardFirefoxTests.FirefoxApp app, ITestOutputHelper output) : IClassFixture<DashboardFirefoxTests.FirefoxApp>
{
    public const string FirefoxVariable = "FUNCTASKS_FIREFOX";

    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromSeconds(150);

    private static string ScriptFolder => Path.Combine(RepositoryRoot.Path, "tests", "FuncTasks.Tests", "Dashboard", "firefox");

    public sealed class FirefoxApp : DashboardApp
    {
        protected override bool UsesChromium => false;
    }

    [Fact]
    public async Task Firefox_SignsIn_GoesThroughEveryViewAndAction_FitsAPhone_AndWorksByKeyboard()
    {
        var firefox = FindFirefox();
        var node = FindOnPath("node") ?? throw new InvalidOperationException("Node.js 20+ is needed for the dashboard's Firefox test: https://nodejs.org");
        Assert.True(Directory.Exists(Path.Combine(ScriptFolder, "node_modules", "puppeteer-core")),
            $"puppeteer-core is not installed for the dashboard's Firefox test: run 'npm ci' in {ScriptFolder} (scripts/test.sh does).");

        // A finished shell job whose output has a line too long for a phone unless it wraps; rerun by the script, which
        // watches its first line arrive while it runs.
        var task = await app.CreateTaskAsync(new { command = $"echo first line; sleep 2; echo {new string('x', 160)}; echo last line" });
        var job = await app.ExecuteAsync(task);
        var scheduledTask = await app.CreateTaskAsync(new { command = "echo from a schedule" });
        var schedule = await CreateScheduleAsync(new { task_id = scheduledTask, cron = "@yearly", time_zone = "Europe/Berlin" });
        var now = DateTimeOffset.UtcNow;
        var orphan = new TaskDefinition(Ulid.NewUlid().ToString(), "firefox_gone", TaskType.Function, null, new Dictionary<string, string>(), true, [], null, null, now, now);
        await app.App.Services.GetRequiredService<TaskStore>().CreateAsync(orphan, CancellationToken.None);
        await app.WaitForJobAsync(job);

        var clock = Stopwatch.StartNew();
        var (exitCode, text) = await RunAsync(node, Path.Combine(ScriptFolder, "dashboard-firefox.mjs"),
            "--dashboard", app.DashboardUrl, "--key", DashboardApp.FunctionKey, "--firefox", firefox,
            "--job", job, "--task", task, "--schedule", schedule, "--orphan", orphan.Id);
        output.WriteLine($"{text}(the script took {clock.Elapsed.TotalSeconds:F1} s)");

        Assert.True(exitCode == 0, $"The dashboard failed in Firefox ({firefox}), exit code {exitCode}:\n{text}");
    }

    /// <summary>The Firefox <c>FUNCTASKS_FIREFOX</c> names, else <c>firefox-esr</c> or <c>firefox</c> on PATH; without one the test fails saying what to install.</summary>
    private static string FindFirefox()
    {
        if (Environment.GetEnvironmentVariable(FirefoxVariable) is { Length: > 0 } chosen)
        {
            Assert.True(File.Exists(chosen), $"{FirefoxVariable} names {chosen}, which does not exist.");
            return chosen;
        }

        return FindOnPath("firefox-esr", "firefox") ?? throw new InvalidOperationException(
            "No Firefox for the dashboard's Firefox test. Install Debian's (apt-get install firefox-esr; scripts/test.sh does as root), " +
            $"or set {FirefoxVariable} to a Firefox executable (a current release: it is driven over WebDriver BiDi).");
    }

    private static string? FindOnPath(params string[] names) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .SelectMany(folder => names.Select(name => Path.Combine(folder, name)))
            .FirstOrDefault(File.Exists);

    /// <summary>Runs the script, its stdout and stderr together; kills it (and the Firefox it started) when it overruns.</summary>
    private static async Task<(int ExitCode, string Output)> RunAsync(string node, params string[] arguments)
    {
        var info = new ProcessStartInfo(node) { WorkingDirectory = ScriptFolder, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var text = new StringBuilder();
        void Add(string? line)
        {
            if (line is not null)
            {
                lock (text)
                {
                    text.AppendLine(line);
                }
            }
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {node}");
        TestProcessRegistry.Register(process.Id);
        try
        {
            process.OutputDataReceived += (_, e) => Add(e.Data);
            process.ErrorDataReceived += (_, e) => Add(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            using var timeout = new CancellationTokenSource(ScriptTimeout);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
                Add($"(killed: still running after {ScriptTimeout.TotalSeconds} s)");
            }

            process.WaitForExit(); // the last lines of the redirected output
            lock (text)
            {
                return (process.ExitCode, text.ToString());
            }
        }
        finally
        {
            TestProcessRegistry.Unregister(process.Id);
        }
    }

    private async Task<string> CreateScheduleAsync(object spec)
    {
        using var created = await app.App.Client.PostAsync("api/v1/schedules",
            new StringContent(JsonSerializer.Serialize(spec), Encoding.UTF8, "application/json"));
        var body = await created.Content.ReadAsStringAsync();
        Assert.True(created.StatusCode == HttpStatusCode.Created, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
    }
}
