using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FuncTasks.Tests.Dashboard;

/// <summary>
/// The dashboard in a real Chromium: serving the page and its files, signing in (a wrong key, a #code= link), the key
/// only ever in headers, a phone's width, and the keyboard alone.
/// </summary>
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
}
