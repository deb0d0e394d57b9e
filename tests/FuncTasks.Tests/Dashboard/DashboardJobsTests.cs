using System.Net;
using System.Text.RegularExpressions;
using FuncTasks.Api;
using FuncTasks.Jobs;
using FuncTasks.Hosting;
using FuncTasks.Tasks;
using FuncTasks.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using NUlid;
using static Microsoft.Playwright.Assertions;

namespace FuncTasks.Tests.Dashboard;

/// <summary>The overview, the jobs list and a job's detail with its actions, in a real Chromium against real jobs.</summary>
[Collection(DashboardBrowser.Collection)]
public sealed class DashboardJobsTests(DashboardJobsTests.JobsApp app) : IClassFixture<DashboardJobsTests.JobsApp>
{
    /// <summary>Set to a file path (docs/dashboard.png) to have the overview test write the README's screenshot.</summary>
    public const string ScreenshotVariable = "FUNCTASKS_DASHBOARD_SCREENSHOT";

    public sealed class JobsApp : DashboardApp
    {
        protected override void ConfigureServices(IServiceCollection services) =>
            services.AddTaskFunction("dash_fail", (Func<string, object>)FailingTask.Fail, "Fails with the given message.");
    }

    [Fact]
    public async Task Overview_ShowsTheLastHourLive_CountsThroughputGateHealth_AndTheMostRecentJobs()
    {
        var page = await app.OpenAsync();
        await MarkPageAsync(page);
        var completedBefore = await CountAsync(page, "completed");
        var failedBefore = await CountAsync(page, "failed");

        var shell = await app.CreateTaskAsync(new { command = "echo hello from the overview", tags = new[] { "demo" } });
        var failing = await app.CreateTaskAsync(new { command = "dash_fail", @params = new { message = "overview failure" } });
        var greet = await app.CreateTaskAsync(new { command = "greet_user" });
        var jobs = new List<string>();
        foreach (var task in new[] { shell, greet, shell, failing, greet })
        {
            jobs.Add(await app.ExecuteAsync(task));
        }

        foreach (var job in jobs)
        {
            await app.WaitForJobAsync(job);
        }

        // Without a reload: the counts, the chart, the most recent jobs with their full ids.
        await Poll.UntilAsync(async () => await CountAsync(page, "completed") >= completedBefore + 4 && await CountAsync(page, "failed") >= failedBefore + 1,
            "the overview's counts to follow the jobs", TimeSpan.FromSeconds(15));
        await Expect(page.Locator(".chart svg[role=img]")).ToHaveAttributeAsync("aria-label", new Regex(@"\d+ completed, \d+ failed"));
        Assert.True(await page.Locator("rect.bar.completed").CountAsync() >= 1);
        Assert.True(await page.Locator("rect.bar.failed").CountAsync() >= 1);
        await Expect(page.Locator("[data-gate=limit]")).ToHaveTextAsync("5");
        await Expect(page.Locator("[data-gate=in_use]")).ToHaveTextAsync("0");
        await Expect(page.Locator("[data-gate=waiting]")).ToHaveTextAsync("0");
        await Expect(page.Locator("#health")).ToHaveTextAsync("Healthy");
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Health" })).ToContainTextAsync("tables");
        await Expect(page.Locator("p.durations")).ToContainTextAsync("p50");
        foreach (var job in jobs)
        {
            await Expect(page.GetByRole(AriaRole.Link, new() { Name = job, Exact = true })).ToBeVisibleAsync();
        }

        await AssertNotReloadedAsync(page);
        if (Environment.GetEnvironmentVariable(ScreenshotVariable) is { Length: > 0 } path)
        {
            await ScreenshotAsync(page, Path.GetFullPath(path, FuncTasks.Testing.RepositoryRoot.Path), await CountAsync(page, "completed"));
        }

        await page.GetByRole(AriaRole.Link, new() { Name = jobs[^1], Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync(jobs[^1]);
        app.AssertNoScriptErrors(page);
    }

    [Fact]
    public async Task Jobs_FilterByStatusTaskAndSchedule_NewestFirst_PagedAndLive()
    {
        // Thirty records of one task, a second apart; three of them started by one schedule.
        var taskId = Ulid.NewUlid().ToString();
        var scheduleId = Ulid.NewUlid().ToString();
        var start = DateTimeOffset.UtcNow.AddMinutes(-10);
        var ids = new List<string>();
        for (var i = 0; i < 30; i++)
        {
            ids.Add(await AddRecordAsync(taskId, start.AddSeconds(i), i % 3 == 0 ? JobStatus.Failed : JobStatus.Completed, i >= 27 ? scheduleId : null));
        }

        var page = await app.OpenAsync(route: $"#/jobs?task_id={taskId}");
        await MarkPageAsync(page);
        var links = page.Locator("table.list a.id[data-key^='job-']");
        await Expect(links).ToHaveCountAsync(25);
        Assert.Equal(Enumerable.Range(5, 25).Reverse().Select(i => ids[i]), await links.AllTextContentsAsync());

        await page.GetByRole(AriaRole.Button, new() { Name = "Older →" }).ClickAsync();
        await Expect(links).ToHaveCountAsync(5);
        Assert.Equal(Enumerable.Range(0, 5).Reverse().Select(i => ids[i]), await links.AllTextContentsAsync());
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Older →" })).ToBeDisabledAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "← Newer" }).ClickAsync();
        await Expect(links).ToHaveCountAsync(25);

        // A new job shows up on the first page by itself.
        var newest = await AddRecordAsync(taskId, DateTimeOffset.UtcNow, JobStatus.Pending, null);
        await Expect(links.First).ToHaveTextAsync(newest, new() { Timeout = 10_000 });

        await page.GetByLabel("Status").SelectOptionAsync("failed");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Expect(links).ToHaveCountAsync(10);
        Assert.All(await page.Locator("table.list .badge").AllTextContentsAsync(), status => Assert.Equal("failed", status));

        await page.GetByLabel("Status").SelectOptionAsync(string.Empty);
        await page.GetByLabel("Schedule").FillAsync(scheduleId);
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Expect(links).ToHaveCountAsync(3);
        Assert.Equal([ids[29], ids[28], ids[27]], await links.AllTextContentsAsync());

        // A refused filter shows the problem's title and detail.
        await page.GetByLabel("Task").FillAsync("not-a-ulid");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        var alert = page.Locator(".alert.error");
        await Expect(alert.Locator(".alert-title")).ToHaveTextAsync("The id is not a valid ULID");
        await Expect(alert.Locator(".alert-detail")).ToContainTextAsync("'not-a-ulid' is not a ULID");
        await AssertNotReloadedAsync(page);
        app.AssertNoScriptErrors(page);
    }

    [Fact]
    public async Task Job_IsFollowedLive_WithItsTimelineOutputAndArtifacts_AndDownloads()
    {
        var task = await app.CreateTaskAsync(new { command = "echo first line; sleep 2; echo second line >&2; sleep 1; echo last line" });
        var job = await app.ExecuteAsync(task);
        var page = await app.OpenAsync(route: $"#/jobs/{job}");
        await MarkPageAsync(page);

        // While it runs: its status and its output as it is written ($stream?output=true), stderr told apart.
        await Expect(page.Locator(".job-head .badge")).ToHaveTextAsync("running", new() { Timeout = 10_000 });
        await Expect(page.Locator("pre.output .stdout")).ToContainTextAsync("first line");
        await Expect(page.Locator("pre.output .stderr")).ToContainTextAsync("second line");
        await Expect(page.Locator(".job-head .badge")).ToHaveTextAsync("running");

        await Expect(page.Locator(".job-head .badge")).ToHaveTextAsync("completed", new() { Timeout = 20_000 });
        await Expect(page.Locator("pre.output")).ToHaveTextAsync("first line\nsecond line\nlast line\n");
        foreach (var step in new[] { "submitted_at", "permit_requested_at", "permit_granted_at", "started_at", "finished_at" })
        {
            await Expect(page.Locator($"[data-step={step}] time")).ToHaveAttributeAsync("datetime", new Regex(@"^\d{4}-\d\d-\d\dT"));
        }

        await Expect(page.Locator("[data-step=scheduled_for]")).ToContainTextAsync("—");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Cancel" })).ToBeDisabledAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Rerun" })).ToBeEnabledAsync();
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Result" })).ToContainTextAsync("Exit code 0");

        var artifacts = page.GetByRole(AriaRole.Region, new() { Name = "Artifacts" });
        var file = await page.RunAndWaitForDownloadAsync(() => artifacts.GetByRole(AriaRole.Button, new() { Name = "Download" }).First.ClickAsync());
        Assert.Contains("last line", await File.ReadAllTextAsync(await file.PathAsync()), StringComparison.Ordinal);
        var log = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Button, new() { Name = "Download the whole log" }).ClickAsync());
        Assert.Equal("first line\nsecond line\nlast line\n", await File.ReadAllTextAsync(await log.PathAsync()));

        // Opened again once it has ended: the end of its log, from $logs.
        await page.ReloadAsync();
        await Expect(page.Locator("pre.output")).ToHaveTextAsync("first line\nsecond line\nlast line\n");
        app.AssertNoScriptErrors(page);
    }

    [Fact]
    public async Task Output_OfAnAppWithoutLiveOutput_SaysItIsNotAvailable_AndShowsTheSavedOutput()
    {
        var task = await app.CreateTaskAsync(new { command = "echo saved line; echo saved error >&2" });
        var job = await app.ExecuteAsync(task);
        await app.WaitForJobAsync(job);
        var page = await app.OpenAsync();
        // An app from before live output answers $logs as an unknown route: 404 without a problem document.
        await page.RouteAsync("**/$logs**", route => route.FulfillAsync(new() { Status = 404, Body = string.Empty }));

        await page.EvaluateAsync("route => { location.hash = route; }", $"#/jobs/{job}");

        var output = page.GetByRole(AriaRole.Region, new() { Name = "Output" });
        await Expect(output).ToContainTextAsync("Live output is not available in this version of the app");
        await Expect(output.Locator("pre.output .stdout")).ToHaveTextAsync("saved line\n");
        await Expect(output.Locator("pre.output .stderr")).ToHaveTextAsync("saved error\n");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Download the whole log" })).ToBeHiddenAsync();
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Result" })).ToContainTextAsync("Exit code 0");
        app.AssertNoScriptErrors(page);
    }

    [Fact]
    public async Task Job_ThatFailed_ShowsItsErrorWithTheStack_AndItsParams()
    {
        var task = await app.CreateTaskAsync(new { command = "dash_fail" });
        var job = await app.ExecuteAsync(task, new { @params = new { message = "the dashboard shows this" } });
        await app.WaitForJobAsync(job);

        var page = await app.OpenAsync(route: $"#/jobs/{job}");

        await Expect(page.Locator(".job-head .badge")).ToHaveTextAsync("failed");
        var error = page.GetByRole(AriaRole.Region, new() { Name = "Error" });
        await Expect(error.Locator(".error-line")).ToContainTextAsync("InvalidOperationException");
        await Expect(error.Locator(".error-line")).ToContainTextAsync("the dashboard shows this");
        await Expect(error.Locator("pre.stack")).ToContainTextAsync(nameof(FailingTask.Fail));
        await Expect(page.GetByRole(AriaRole.Region, new() { Name = "Params" })).ToContainTextAsync("\"message\": \"the dashboard shows this\"");
        app.AssertNoScriptErrors(page);
    }

    [Fact]
    public async Task Job_CancelRerunAndDelete_FromItsButtons_AndARefusedActionShowsTheProblem()
    {
        var task = await app.CreateTaskAsync(new { command = "sleep 30" });
        var delayed = await app.ExecuteAsync(task, new { delay_seconds = 120 });
        var page = await app.OpenAsync(route: $"#/jobs/{delayed}");

        // A delayed job waits with its scheduled time; cancel it while it waits.
        await Expect(page.Locator("[data-step=scheduled_for] time")).ToHaveAttributeAsync("datetime", new Regex(@"^\d{4}-"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Expect(page.Locator(".job-head .badge")).ToHaveTextAsync("canceled");
        await Expect(page.Locator("[data-step=started_at]")).ToContainTextAsync("—");

        // Rerun: a new job, running now, that links back; cancel it while it runs.
        await page.GetByRole(AriaRole.Button, new() { Name = "Rerun" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).Not.ToContainTextAsync(delayed);
        var rerun = Regex.Match(page.Url, "#/jobs/([0-9A-Z]{26})").Groups[1].Value;
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = delayed })).ToBeVisibleAsync();
        await Expect(page.Locator(".job-head .badge")).ToHaveTextAsync("running", new() { Timeout = 10_000 });
        await page.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Expect(page.Locator(".job-head .badge")).ToHaveTextAsync("canceled", new() { Timeout = 10_000 });
        Assert.Equal(delayed, (await app.GetAsync($"api/v1/jobs/{rerun}")).GetProperty("rerun_of").GetString());

        // A refused action: the task is disabled now, so a rerun is 409 and the page says why.
        using (var disable = await app.App.Client.PutAsync($"api/v1/tasks/{task}",
            new StringContent("""{"command": "sleep 30", "enabled": false}""", System.Text.Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.OK, disable.StatusCode);
        }

        await page.GetByRole(AriaRole.Button, new() { Name = "Rerun" }).ClickAsync();
        var alert = page.Locator(".alert.error");
        await Expect(alert.Locator(".alert-title")).ToHaveTextAsync("The task is disabled");
        await Expect(alert.Locator(".alert-detail")).ToContainTextAsync($"The task '{task}' is disabled");

        // Delete asks first; Cancel in the dialog keeps the job, OK deletes it.
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Dialog);
        await Expect(dialog).ToContainTextAsync($"Delete job {rerun}?");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await Expect(dialog).ToBeHiddenAsync();
        await app.GetAsync($"api/v1/jobs/{rerun}");
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Jobs", Level = 1 })).ToBeVisibleAsync();
        await app.GetAsync($"api/v1/jobs/{rerun}", HttpStatusCode.NotFound);
        app.AssertNoScriptErrors(page);
    }

    /// <summary>
    /// The README's picture: an hour of earlier jobs (records, the same every time) so the chart has a shape, then the
    /// overview as it refreshes itself, at 1280×800.
    /// </summary>
    private async Task ScreenshotAsync(IPage page, string path, int completedBefore)
    {
        string[] commands = ["greet_user", "process_data", "./nightly-report.sh --region eu", "add", "store_result"];
        var now = DateTimeOffset.UtcNow;
        var completed = 0;
        for (var i = 0; i < 160; i++)
        {
            var submitted = now.AddMinutes(-58 + (i * 55.0 / 160));
            var status = i % 23 == 7 ? JobStatus.Failed : i % 41 == 13 ? JobStatus.Canceled : JobStatus.Completed;
            completed += status == JobStatus.Completed ? 1 : 0;
            var job = new Job(Ulid.NewUlid(submitted).ToString(), Ulid.NewUlid(now.AddDays(-1)).ToString(), TaskType.Function, commands[i % commands.Length], null, status,
                submitted, submitted.AddMilliseconds(40), submitted.AddMilliseconds(180 + (i * 37 % 900)), status == JobStatus.Failed ? new JobError("System.TimeoutException", "upstream") : null, null, null, null);
            await app.App.Services.GetRequiredService<JobStore>().CreateAsync(job, CancellationToken.None);
        }

        await Poll.UntilAsync(async () => await CountAsync(page, "completed") >= completedBefore + completed, "the overview to show the hour", TimeSpan.FromSeconds(20));
        await page.Locator("#alerts").EvaluateAsync("e => e.replaceChildren()");
        await page.EvaluateAsync("() => window.scrollTo(0, 0)");
        await page.ScreenshotAsync(new() { Path = path });
    }

    private async Task<string> AddRecordAsync(string taskId, DateTimeOffset submitted, JobStatus status, string? scheduleId)
    {
        var finished = status == JobStatus.Pending ? (DateTimeOffset?)null : submitted.AddSeconds(2);
        var job = new Job(Ulid.NewUlid(submitted).ToString(), taskId, TaskType.Shell, "echo record", null, status, submitted,
            finished is null ? null : submitted.AddSeconds(1), finished,
            status == JobStatus.Failed ? new JobError("exit_code", "exited with 1") : null, status == JobStatus.Pending ? null : 0, null, null)
        {
            ScheduleId = scheduleId,
        };
        await app.App.Services.GetRequiredService<JobStore>().CreateAsync(job, CancellationToken.None);
        return job.Id;
    }

    private static async Task<int> CountAsync(IPage page, string status) =>
        int.Parse(await page.Locator($"[data-count={status}]").TextContentAsync() ?? "-1", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Marks the document, so a later check proves the page was never reloaded.</summary>
    internal static Task MarkPageAsync(IPage page) => page.EvaluateAsync("() => { window.__notReloaded = true; }");

    internal static async Task AssertNotReloadedAsync(IPage page) => Assert.True(await page.EvaluateAsync<bool>("() => window.__notReloaded === true"));
}

public static class FailingTask
{
    public static object Fail(string message) => throw new InvalidOperationException(message);
}
