using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FuncTasks.Tests.Dashboard;

/// <summary>An app with <c>FuncTasks:Security:ApiKeys</c>: the dashboard asks for the API key too, and sends it as X-API-Key.</summary>
[Collection(DashboardBrowser.Collection)]
public sealed class DashboardApiKeyTests(DashboardApiKeyTests.ApiKeyApp app) : IClassFixture<DashboardApiKeyTests.ApiKeyApp>
{
    public const string ApiKey = "dashboard-test-api-key";

    public sealed class ApiKeyApp : DashboardApp
    {
        protected override IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?> { ["FuncTasks:Security:ApiKeys"] = $"another-key, {ApiKey}" };
    }

    [Fact]
    public async Task WithApiKeysConfigured_ThePageAsksForOne_RefusesAWrongOne_AndSendsItOnEveryCall()
    {
        var page = await app.OpenAsync(signedIn: false, route: string.Empty);
        await page.GotoAsync($"{app.DashboardUrl}#code={DashboardApp.FunctionKey}");

        // The function key is taken; the first data call answers the API-key problem, which the page shows and asks for.
        var message = page.Locator(".signin-message");
        await Expect(message).ToContainTextAsync("An API key is needed");
        await Expect(message).ToContainTextAsync("Authentication required");
        await Expect(message).ToContainTextAsync("requires an API key in the X-API-Key header");
        await Expect(page.GetByLabel("API key")).ToBeFocusedAsync();

        await page.GetByLabel("API key").FillAsync("wrong");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(message).ToContainTextAsync("does not carry a valid API key");

        await page.GetByLabel("API key").FillAsync(ApiKey);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Overview", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.Locator("[data-gate=limit]")).ToHaveTextAsync("5");
        await page.GetByRole(AriaRole.Navigation).GetByRole(AriaRole.Link, new() { Name = "Tasks" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Tasks", Level = 1 })).ToBeVisibleAsync();

        var lastCalls = app.Requests.Where(r => r.Frame.Page == page && r.Url.Contains("/api/v1/", StringComparison.Ordinal)).TakeLast(3).ToList();
        Assert.NotEmpty(lastCalls);
        Assert.All(lastCalls, call =>
        {
            Assert.Equal(ApiKey, call.Headers.GetValueOrDefault("x-api-key"));
            Assert.DoesNotContain(ApiKey, call.Url, StringComparison.Ordinal);
        });
        app.AssertNoScriptErrors(page);
    }
}
