using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using FuncTasks.Hosting;
using FuncTasks.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using NUlid;
using static Microsoft.Playwright.Assertions;

namespace FuncTasks.Tests.Dashboard;

/// <summary>Tasks (create, edit, enable, disable, delete, execute from $functions), schedules, functions and orphans in a real Chromium.</summary>
[Collection(DashboardBrowser.Collection)]
public sealed class DashboardTasksTests(DashboardTasksTests.TasksApp app) : IClassFixture<DashboardTasksTests.TasksApp>
{
    public sealed class TasksApp : DashboardApp
    {
        protected override void ConfigureServices(IServiceCollection services) =>
            services.AddTaskFunction("dash_typed", (Func<int, string, double, bool, object>)TypedTask.Run, "Echoes its typed arguments.");
    }

    [Fact]
    public async Task Tasks_AreCreatedEditedDisabledEnabledAndDeleted_AndARefusalShowsItsProblem()
    {
        var page = await app.OpenAsync(route: "#/tasks");
        await page.GetByRole(AriaRole.Link, new() { Name = "New task" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "New task" })).ToBeVisibleAsync();

        // Refused: a tag with a space; the problem's title, detail and field are shown, the field is marked.
        await page.GetByLabel("Registered functions").SelectOptionAsync("greet_user");
        await Expect(page.GetByLabel("Command")).ToHaveValueAsync("greet_user");
        await page.GetByLabel("Params (JSON object)").FillAsync("""{"name": "Ada"}""");
        await page.GetByLabel("Tags (comma-separated)").FillAsync("dash, not ok");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create" }).ClickAsync();
        var alert = page.Locator(".alert.error").First;
        await Expect(alert.Locator(".alert-title")).ToHaveTextAsync("The request is not valid");
        await Expect(alert).ToContainTextAsync("tags");
        await Expect(page.GetByLabel("Tags (comma-separated)")).ToHaveAttributeAsync("aria-invalid", "true");

        await page.GetByLabel("Tags (comma-separated)").FillAsync("dash, ui");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create" }).ClickAsync();
        var done = page.Locator(".alert.done").Filter(new() { HasText = "created" });
        await Expect(done).ToBeVisibleAsync();
        var id = Regex.Match(await done.TextContentAsync() ?? string.Empty, "Task ([0-9A-Z]{26}) created").Groups[1].Value;
        var created = await app.GetAsync($"api/v1/tasks/{id}");
        Assert.Equal(("greet_user", "function", "Ada"), (created.GetProperty("command").GetString(), created.GetProperty("task_type").GetString(),
            created.GetProperty("params").GetProperty("name").GetString()));
        Assert.Equal(["dash", "ui"], created.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));

        var row = page.Locator("table.list tr").Filter(new() { HasText = id });
        await Expect(row).ToContainTextAsync("enabled");
        await row.GetByRole(AriaRole.Link, new() { Name = "Edit" }).ClickAsync();
        await Expect(page.GetByLabel("Params (JSON object)")).ToHaveValueAsync(new Regex("\"name\": \"Ada\""));
        await page.GetByLabel("Tags (comma-separated)").FillAsync("edited");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(row).ToContainTextAsync("edited");
        Assert.Equal(["edited"], (await app.GetAsync($"api/v1/tasks/{id}")).GetProperty("tags").EnumerateArray().Select(t => t.GetString()));

        await row.GetByRole(AriaRole.Button, new() { Name = "Disable" }).ClickAsync();
        await Expect(row.Locator(".badge")).ToHaveTextAsync("disabled");
        Assert.False((await app.GetAsync($"api/v1/tasks/{id}")).GetProperty("enabled").GetBoolean());
        await row.GetByRole(AriaRole.Button, new() { Name = "Enable" }).ClickAsync();
        await Expect(row.Locator(".badge")).ToHaveTextAsync("enabled");

        await row.GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
        await Expect(row).ToHaveCountAsync(0);
        await app.GetAsync($"api/v1/tasks/{id}", HttpStatusCode.NotFound);
        app.AssertNoScriptErrors(page);
    }

    [Fact]
    public async Task Execute_BuildsItsFormFromTheFunctionsParameters_AndShowsRefusedArguments()
    {
        var task = await app.CreateTaskAsync(new { command = "dash_typed", @params = new { label = "from the task" } });
        var page = await app.OpenAsync(route: $"#/tasks/{task}/execute");

        var count = page.GetByLabel("count");
        await Expect(count).ToHaveAttributeAsync("type", "number");
        await Expect(count).ToHaveAttributeAsync("step", "1");
        await Expect(page.GetByLabel("label")).ToHaveAttributeAsync("placeholder", "from the task");
        await Expect(page.GetByLabel("ratio")).ToHaveAttributeAsync("step", "any");
        await Expect(page.GetByLabel("ratio")).ToHaveAttributeAsync("placeholder", "1.5");
        Assert.Equal("SELECT", await page.GetByLabel("loud").EvaluateAsync<string>("e => e.tagName"));
        await Expect(page.Locator("form")).ToContainTextAsync("integer · required");

        // Left out, the required count is refused by the app with the parameter named.
        await page.GetByRole(AriaRole.Button, new() { Name = "Execute" }).ClickAsync();
        var alert = page.Locator(".alert.error").First;
        await Expect(alert.Locator(".alert-title")).ToHaveTextAsync("The request is not valid");
        await Expect(alert.Locator(".alert-detail")).ToContainTextAsync("dash_typed");
        await Expect(alert).ToContainTextAsync("params.count");
        await Expect(count).ToHaveAttributeAsync("aria-invalid", "true");

        await count.FillAsync("3");
        await page.GetByLabel("loud").SelectOptionAsync("true");
        await page.GetByRole(AriaRole.Button, new() { Name = "Execute" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync("Job");
        await Expect(page.Locator(".job-head .badge")).ToHaveTextAsync("completed", new() { Timeout = 20_000 });
        var result = page.GetByRole(AriaRole.Region, new() { Name = "Result" });
        await Expect(result).ToContainTextAsync("\"count\": 3");
        await Expect(result).ToContainTextAsync("\"label\": \"from the task\"");
        await Expect(result).ToContainTextAsync("\"loud\": true");
        app.AssertNoScriptErrors(page);
    }

    [Fact]
    public async Task Schedules_ShowNextRunsAndTheLastFire_AndArePausedResumedAndTriggered()
    {
        var task = await app.CreateTaskAsync(new { command = "echo from a schedule" });
        var schedule = await CreateScheduleAsync(new { task_id = task, cron = "*/2 * * * * *", time_zone = "Europe/Berlin", overlap = "allow" });
        var page = await app.OpenAsync(route: "#/schedules");
        var row = page.Locator("table.list tr").Filter(new() { HasText = schedule });
        await Expect(row).ToContainTextAsync("*/2 * * * * *");
        await Expect(row).ToContainTextAsync("Europe/Berlin");
        await Expect(row.Locator("ol li time")).ToHaveCountAsync(3);

        // It fires every 2 s: the last fire, its outcome and its job follow without a reload.
        var fired = row.Locator("a[data-key^='fire-']");
        await Expect(fired).ToHaveTextAsync(new Regex("^[0-9A-Z]{26}$"), new() { Timeout = 15_000 });
        await Expect(row.Locator(".outcome")).ToHaveTextAsync(new Regex("^(started|skipped_overlap)$"));
        var job = await fired.TextContentAsync();
        Assert.Equal(schedule, (await app.GetAsync($"api/v1/jobs/{job}")).GetProperty("schedule_id").GetString());

        await row.GetByRole(AriaRole.Button, new() { Name = "Pause" }).ClickAsync();
        await Expect(row.Locator(".badge")).ToHaveTextAsync("paused");
        await Expect(row.Locator("ol li")).ToHaveCountAsync(0);
        Assert.False((await app.GetAsync($"api/v1/schedules/{schedule}")).GetProperty("enabled").GetBoolean());

        // Trigger now runs a job while it is paused; the page links to it.
        await row.GetByRole(AriaRole.Button, new() { Name = "Trigger now" }).ClickAsync();
        var done = page.Locator(".alert.done").Filter(new() { HasText = "started job" });
        var triggered = Regex.Match(await done.TextContentAsync() ?? string.Empty, "started job ([0-9A-Z]{26})").Groups[1].Value;
        Assert.Equal(schedule, (await app.GetAsync($"api/v1/jobs/{triggered}")).GetProperty("schedule_id").GetString());

        await row.GetByRole(AriaRole.Button, new() { Name = "Resume" }).ClickAsync();
        await Expect(row.Locator(".badge")).ToHaveTextAsync("enabled");
        await Expect(row.Locator("ol li time")).ToHaveCountAsync(3);
        await row.GetByRole(AriaRole.Button, new() { Name = "Pause" }).ClickAsync();
        await Expect(row.Locator(".badge")).ToHaveTextAsync("paused");

        await row.GetByRole(AriaRole.Link, new() { Name = "Jobs" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = triggered, Exact = true })).ToBeVisibleAsync();
        app.AssertNoScriptErrors(page);
    }

    /// <summary>A schedule that fails to trigger says why: a schedule whose task is disabled is refused (409).</summary>
    [Fact]
    public async Task Schedules_ARefusedTrigger_ShowsTheProblem()
    {
        var task = await app.CreateTaskAsync(new { command = "echo never", enabled = false });
        var schedule = await CreateScheduleAsync(new { task_id = task, cron = "@yearly" });
        var page = await app.OpenAsync(route: "#/schedules");
        var row = page.Locator("table.list tr").Filter(new() { HasText = schedule });
        await Expect(row).ToContainTextAsync("never");

        await row.GetByRole(AriaRole.Button, new() { Name = "Trigger now" }).ClickAsync();

        var alert = page.Locator(".alert.error").First;
        await Expect(alert.Locator(".alert-title")).ToHaveTextAsync("The task is disabled");
        await Expect(alert.Locator(".alert-detail")).ToContainTextAsync(task);
        app.AssertNoScriptErrors(page);
    }

    private async Task<string> CreateScheduleAsync(object spec)
    {
        using var created = await app.App.Client.PostAsync("api/v1/schedules",
            new StringContent(JsonSerializer.Serialize(spec), System.Text.Encoding.UTF8, "application/json"));
        var body = await created.Content.ReadAsStringAsync();
        Assert.True(created.StatusCode == HttpStatusCode.Created, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetString()!;
    }

    [Fact]
    public async Task Functions_AreListedWithTheirParameters_AndOrphanedTasksCanBeDeleted()
    {
        var now = DateTimeOffset.UtcNow;
        var orphan = new TaskDefinition(Ulid.NewUlid().ToString(), "dash_gone", TaskType.Function, null, new Dictionary<string, string>(), true, [], null, null, now, now);
        await app.App.Services.GetRequiredService<TaskStore>().CreateAsync(orphan, CancellationToken.None);
        var page = await app.OpenAsync(route: "#/functions");

        var typed = page.Locator("table.list tr").Filter(new() { HasText = "dash_typed" });
        await Expect(typed).ToContainTextAsync("Echoes its typed arguments.");
        await Expect(typed).ToContainTextAsync("count: integer required");
        await Expect(typed).ToContainTextAsync("ratio: number = 1.5");
        await Expect(page.Locator("table.list tr").Filter(new() { HasText = "greet_user" })).ToContainTextAsync("name: string");
        await Expect(page.Locator("table.list tr").Filter(new() { HasText = "process_data" })).ToContainTextAsync("ArtifactStore");

        await page.GetByRole(AriaRole.Link, new() { Name = "Orphaned" }).ClickAsync();
        var row = page.Locator("table.list tr").Filter(new() { HasText = orphan.Id });
        await Expect(row).ToContainTextAsync("dash_gone");
        await row.GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
        await page.GetByRole(AriaRole.Dialog).GetByRole(AriaRole.Button, new() { Name = "Delete" }).ClickAsync();
        await Expect(row).ToHaveCountAsync(0);
        await Expect(page.Locator("[data-orphans]")).ToHaveTextAsync("0 orphaned tasks.");
        app.AssertNoScriptErrors(page);
    }
}

public static class TypedTask
{
    public static object Run(int count, string label, double ratio = 1.5, bool loud = false) => new { count, label, ratio, loud };
}
