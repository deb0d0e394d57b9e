using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FuncTasks.Tests.Dashboard;

/// <summary>
/// The dashboard in a real Chromium: serving the page and its files, signing in (a wrong key, a #code= link), the key
/// only ever in headers, a phone's width, and the keyboard alone.
/// </summary>
[Collection(DashboardBrowser.Collection)]
public sealed class DashboardAccessTests(DashboardApp app) : IClassFixture<DashboardApp>
{
    [Fact]
    public async Task Page_IsAnonymousHtml_WithItsOwnFilesOnly()
    {
        using var client = new HttpClient { BaseAddress = app.BaseAddress };
        using var page = await client.GetAsync("api/dashboard");
        var html = await page.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotMatch(@"(src|href)\s*=\s*[""']?(https?:)?//", html);
        Assert.Contains("script-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        foreach (Match file in Regex.Matches(html, @"(?:src|href)=""(dashboard/[a-z]+\.(?:js|css))"""))
        {
            using var asset = await client.GetAsync($"api/{file.Groups[1].Value}");
            Assert.Equal(HttpStatusCode.OK, asset.StatusCode);
            Assert.Equal(file.Groups[1].Value.EndsWith(".js", StringComparison.Ordinal) ? "text/javascript" : "text/css", asset.Content.Headers.ContentType?.MediaType);
        }

        using var missing = await client.GetAsync("api/dashboard/nope.js");
        await Infrastructure.Json.AssertProblemAsync(missing, 404, "not-found");
        using var data = await client.GetAsync("api/v1/jobs");
        Assert.Equal(HttpStatusCode.Unauthorized, data.StatusCode); // the data is not anonymous
    }

    [Fact]
    public async Task WrongKey_SaysTheKeyWasRefused_ThenTheRightKeyOpensTheOverview()
    {
        var page = await app.OpenAsync(signedIn: false);
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in to the dashboard" })).ToBeVisibleAsync();

        await page.GetByLabel("Function key").FillAsync("not-the-key");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        var message = page.GetByRole(AriaRole.Alert).Filter(new() { HasText = "refused the function key" });
        await Expect(message).ToContainTextAsync("HTTP 401");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in to the dashboard" })).ToBeVisibleAsync();

        await page.GetByLabel("Function key").FillAsync(DashboardApp.FunctionKey);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Overview", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.Locator("[data-gate=limit]")).ToHaveTextAsync(new Regex(@"^\d+$"));
        app.AssertNoScriptErrors(page);
    }

    [Fact]
    public async Task CodeLink_SignsIn_LeavesTheAddressBar_AndTheKeyOnlyTravelsInHeaders()
    {
        var task = await app.CreateTaskAsync(new { command = "echo keys" });
        var job = await app.ExecuteAsync(task);
        var page = await app.OpenAsync();

        Assert.DoesNotContain(DashboardApp.FunctionKey, page.Url, StringComparison.Ordinal);
        Assert.EndsWith("/api/dashboard#/", page.Url, StringComparison.Ordinal);
        Assert.Equal(DashboardApp.FunctionKey, await page.EvaluateAsync<string>("() => sessionStorage.getItem('functasks.functionKey')"));
        foreach (var (link, heading) in new[] { ("Jobs", "Jobs"), ("Tasks", "Tasks"), ("Schedules", "Schedules"), ("Functions", "Registered functions"), ("Orphaned", "Orphaned tasks") })
        {
            await page.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link, new() { Name = link }).ClickAsync();
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = heading, Level = 1 })).ToBeVisibleAsync();
            await Expect(page.Locator("table.list, p.empty").First).ToBeVisibleAsync();
        }

        await page.EvaluateAsync("id => { location.hash = '#/jobs/' + id; }", job);
        await Expect(page.Locator(".job-head .badge")).ToHaveTextAsync("completed", new() { Timeout = 20_000 });

        // A reload keeps the session; a new tab of its own (a new context) has to sign in.
        await page.ReloadAsync();
        await Expect(page.Locator(".job-head .badge")).ToHaveTextAsync("completed");
        var fresh = await app.OpenAsync(signedIn: false);
        await Expect(fresh.GetByRole(AriaRole.Heading, new() { Name = "Sign in to the dashboard" })).ToBeVisibleAsync();

        var calls = app.Requests.Where(r => r.Frame.Page == page && r.Url.Contains("/api/v1/", StringComparison.Ordinal)).ToList();
        Assert.True(calls.Count > 10, $"only {calls.Count} data calls");
        Assert.All(calls, call =>
        {
            Assert.DoesNotContain(DashboardApp.FunctionKey, call.Url, StringComparison.Ordinal);
            Assert.DoesNotContain("code=", call.Url, StringComparison.Ordinal);
            Assert.Equal(DashboardApp.FunctionKey, call.Headers.GetValueOrDefault("x-functions-key"));
        });
        Assert.All(app.Requests.Where(r => r.Frame.Page == page), request => Assert.StartsWith(app.BaseAddress.ToString(), request.Url, StringComparison.Ordinal));

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in to the dashboard" })).ToBeVisibleAsync();
        Assert.Null(await page.EvaluateAsync<string?>("() => sessionStorage.getItem('functasks.functionKey')"));
        app.AssertNoScriptErrors(page);
    }

    [Fact]
    public async Task PhoneWidth_EveryViewFitsWithoutScrollingSideways()
    {
        // A long line, and a token longer than the screen is wide (in the command too, as a URL or a path can be).
        var task = await app.CreateTaskAsync(new { command = $"echo a long line that could push a narrow page sideways if the output did not wrap at all; echo {new string('x', 160)}; echo done" });
        var job = await app.ExecuteAsync(task);
        await app.WaitForJobAsync(job);
        var page = await app.OpenAsync(width: 390, height: 844);

        foreach (var route in new[] { "#/", "#/jobs", $"#/jobs/{job}", "#/tasks", $"#/tasks/{task}/edit", $"#/tasks/{task}/execute", "#/schedules", "#/functions", "#/orphaned" })
        {
            await page.EvaluateAsync("route => { location.hash = route; }", route);
            await Expect(page.Locator("main h1")).ToBeVisibleAsync();
            await Expect(page.Locator("main p.muted").Filter(new() { HasText = "Loading" })).ToHaveCountAsync(0);
            await page.WaitForTimeoutAsync(300);
            var width = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth");
            Assert.True(width <= 390, $"{route} is {width} px wide at a 390 px viewport");
        }

        await page.EvaluateAsync("route => { location.hash = route; }", $"#/jobs/{job}");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Rerun" })).ToBeInViewportAsync();
        app.AssertNoScriptErrors(page);
    }

    [Fact]
    public async Task Keyboard_Alone_SignsIn_Navigates_OpensAJob_AndCancelsIt()
    {
        var task = await app.CreateTaskAsync(new { command = "sleep 30" });
        var job = await app.ExecuteAsync(task);
        await app.WaitForJobAsync(job, "running");
        var page = await app.OpenAsync(signedIn: false);

        // The key field has the focus: type the key, Enter.
        await page.Keyboard.TypeAsync(DashboardApp.FunctionKey);
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Overview", Level = 1 })).ToBeFocusedAsync();

        await TabToAsync(page, page.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link, new() { Name = "Jobs" }));
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Jobs", Level = 1 })).ToBeFocusedAsync();

        await TabToAsync(page, page.GetByRole(AriaRole.Link, new() { Name = job, Exact = true }));
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync(job);

        // Delete opens a dialog that Escape closes; Cancel cancels the job.
        await TabToAsync(page, page.GetByRole(AriaRole.Button, new() { Name = "Delete" }));
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.GetByRole(AriaRole.Dialog)).ToBeVisibleAsync();
        await page.Keyboard.PressAsync("Escape");
        await Expect(page.GetByRole(AriaRole.Dialog)).ToBeHiddenAsync();
        await TabToAsync(page, page.GetByRole(AriaRole.Button, new() { Name = "Cancel" }));
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator(".job-head .badge")).ToHaveTextAsync("canceled", new() { Timeout = 10_000 });
        await app.GetAsync($"api/v1/jobs/{job}");
        app.AssertNoScriptErrors(page);
    }

    /// <summary>Presses Tab until <paramref name="target"/> has the focus (at most 60 times): it is reachable by keyboard.</summary>
    private static async Task TabToAsync(IPage page, ILocator target)
    {
        for (var i = 0; i < 60; i++)
        {
            if (await target.EvaluateAsync<bool>("e => e === document.activeElement"))
            {
                return;
            }

            await page.Keyboard.PressAsync("Tab");
        }

        Assert.Fail($"Tab never reached {target}");
    }
}
