using System.Net;
using FuncTasks.Tests.Infrastructure;

namespace FuncTasks.Tests.Security;

/// <summary>The optional X-API-Key requirement, on top of the host's function keys.</summary>
public sealed class ApiKeyTests() : AppTests(new Dictionary<string, string?>
{
    ["FuncTasks:Security:ApiKeys"] = " first-key-0123456789 , second-key-abcdef ",
})
{
    [Fact]
    public async Task NoKey_Is401Problem_AndChangesNothing()
    {
        var before = await App.SnapshotAsync();
        using var response = await App.PostAsync("/api/v1/tasks", """{"command": "true"}""");
        var problem = await Json.AssertProblemAsync(response, 401, "unauthorized");
        Assert.Contains("X-API-Key", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(before, await App.SnapshotAsync());
    }

    [Theory]
    [InlineData("wrong")]
    [InlineData("first-key-012345678")]
    [InlineData("first-key-0123456789x")]
    [InlineData("FIRST-KEY-0123456789")]
    public async Task WrongKey_Is401_AndTheKeyIsNotEchoed(string key)
    {
        using var response = await App.SendAsync(HttpMethod.Get, "/api/v1/tasks", null, h => h.Add("X-API-Key", key));
        var problem = await Json.AssertProblemAsync(response, 401, "unauthorized");
        Assert.DoesNotContain(key, problem.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain("first-key", problem.GetRawText(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("first-key-0123456789")]
    [InlineData("second-key-abcdef")]
    public async Task EitherConfiguredKey_IsAccepted(string key)
    {
        using var response = await App.SendAsync(HttpMethod.Get, "/api/v1/tasks", null, h => h.Add("X-API-Key", key));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task TwoKeyHeaders_Are401()
    {
        using var response = await App.SendAsync(HttpMethod.Get, "/api/v1/tasks", null, h => h.Add("X-API-Key", ["first-key-0123456789", "second-key-abcdef"]));
        await Json.AssertProblemAsync(response, 401, "unauthorized");
    }

    [Fact]
    public async Task Health_NeedsNoKey()
    {
        using var response = await App.GetAsync("/api/health");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task EveryApiFunction_RefusesARequestWithoutKey()
    {
        foreach (var function in FuncTasks.Testing.Http.FunctionsMetadata.HttpFunctions().Where(f => f.AuthLevel != "Anonymous"))
        {
            var path = "/api/" + System.Text.RegularExpressions.Regex.Replace(function.Route, @"\{id[^}]*\}", NUlid.Ulid.NewUlid().ToString());
            foreach (var method in function.Methods)
            {
                using var response = await App.SendAsync(new HttpMethod(method), path);
                Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{method} {path} answered {(int)response.StatusCode}");
            }
        }
    }
}

public sealed class WithoutApiKeysTests
{
    [Fact]
    public async Task NoKeysConfigured_NoHeaderNeeded()
    {
        await using var app = await AppHost.StartAsync();
        using var response = await app.GetAsync("/api/v1/tasks");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
