using System.Net;
using System.Text.RegularExpressions;
using FuncTasks.E2E.Infrastructure;
using FuncTasks.Tests.Dashboard;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace FuncTasks.E2E.Scenarios;

/// <summary>The dashboard under the host: the page and its files anonymous, its data calls with the key, and a browser that signs in.</summary>
[Collection(SharedAppCollection.Name)]
public sealed partial class DashboardTests(SharedApp shared)
{
    [E2EFact]
    public async Task Dashboard_LoadsUnderTheHost_ItsFilesAnonymous_AndItsDataWithTheKey()
    {
        var api = shared.Api;
        using var anonymous = api.Host.CreateClient(withKey: false);

        using var page = await anonymous.GetAsync("api/dashboard");
        var html = await page.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("script-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);

        // The files the page names and the modules they import, as the browser would fetch them.
        var files = new Queue<string>(FileReference().Matches(html).Select(m => m.Groups[1].Value.Replace("dashboard/", string.Empty, StringComparison.Ordinal)));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (files.TryDequeue(out var file))
        {
            if (!seen.Add(file))
            {
                continue;
            }

            using var response = await anonymous.GetAsync($"api/dashboard/{file}");
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"dashboard/{file}: {(int)response.StatusCode}");
            Assert.Equal(file.EndsWith(".css", StringComparison.Ordinal) ? "text/css" : "text/javascript", response.Content.Headers.ContentType?.MediaType);
            foreach (Match import in ModuleImport().Matches(await response.Content.ReadAsStringAsync()))
            {
                files.Enqueue(import.Groups[1].Value);
            }
        }

        Assert.Contains("app.js", seen);
        Assert.Contains("jobs.js", seen);

        // Its data: 401 without the key, 200 with it.
        using (var refused = await anonymous.GetAsync("api/v1/jobs/$stats"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        var stats = await api.GetAsync("api/v1/jobs/$stats");
        Assert.True(stats.GetProperty("per_minute").GetArrayLength() >= 60);

        // A browser opened with #code=<key>: the overview's data arrive, and the key is gone from the address bar.
        var browser = await DashboardBrowser.GetAsync();
        await using var context = await browser.NewContextAsync(new() { ViewportSize = new() { Width = 1280, Height = 800 } });
        var tab = await context.NewPageAsync();
        var errors = new List<string>();
        tab.PageError += (_, error) => errors.Add(error);
        await tab.GotoAsync(new Uri(api.Host.BaseAddress, $"api/dashboard#code={Uri.EscapeDataString(api.Host.FunctionKey)}").ToString());
        await Expect(tab.GetByRole(AriaRole.Heading, new() { Name = "Overview", Level = 1 })).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await Expect(tab.Locator("[data-gate=limit]")).ToHaveTextAsync(new Regex(@"^\d+$"), new() { Timeout = 15_000 });
        await Expect(tab.Locator("[data-count=completed]")).ToHaveTextAsync(new Regex(@"^\d+$"));
        await Expect(tab.Locator("#health")).ToHaveTextAsync("Healthy");
        Assert.DoesNotContain(api.Host.FunctionKey, tab.Url, StringComparison.Ordinal);
        Assert.Empty(errors);
    }

    [GeneratedRegex(@"(?:src|href)=""(dashboard/[a-z]+\.(?:js|css))""")]
    private static partial Regex FileReference();

    [GeneratedRegex(@"from '\./([a-z]+\.js)'")]
    private static partial Regex ModuleImport();
}
