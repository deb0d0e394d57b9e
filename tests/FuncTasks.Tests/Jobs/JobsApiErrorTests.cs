using System.Net;
using FuncTasks.Hosting;
using FuncTasks.Tests.Infrastructure;

namespace FuncTasks.Tests.Jobs;

/// <summary>Refused job requests: a 4xx problem document each, and nothing stored or scheduled.</summary>
public sealed class JobsApiErrorTests(JobsApiErrorTests.Fixture fixture) : IClassFixture<JobsApiErrorTests.Fixture>
{
    private readonly AppHost app = fixture.App;

    /// <summary>One app for the class: every test compares the tables before and after its own request.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        public AppHost App { get; private set; } = null!;

        public async Task InitializeAsync() => App = await AppHost.StartAsync(withDurable: true, configureServices: services =>
            services.AddTaskFunction("typed", (Func<int, string, double, bool, int[], object>)((count, label, ratio, flag, values) => new { count }), "Typed arguments."));

        public async Task DisposeAsync() => await App.DisposeAsync();
    }

    [Fact]
    public async Task Execute_UnknownTask_Is404()
    {
        var before = await app.SnapshotAsync();
        using var response = await app.PostAsync($"/api/v1/tasks/{NUlid.Ulid.NewUlid()}/$execute");
        await Json.AssertProblemAsync(response, 404, "not-found");
        Assert.Equal(before, await app.SnapshotAsync());
    }

    [Theory]
    [InlineData("nope")]
    [InlineData("01ARZ3NDEKTSV4RRFFQ69G5FAU")]
    public async Task Execute_MalformedTaskId_Is400(string id)
    {
        using var response = await app.PostAsync($"/api/v1/tasks/{id}/$execute");
        await Json.AssertProblemAsync(response, 400, "invalid-id", "id");
    }

    [Fact]
    public async Task Execute_DisabledTask_Is409_AndStartsNothing()
    {
        var taskId = (await app.CreateTaskAsync("""{"command": "true", "enabled": false}""")).GetProperty("id").GetString();
        var before = await app.SnapshotAsync();
        using var response = await app.PostAsync($"/api/v1/tasks/{taskId}/$execute");
        await Json.AssertProblemAsync(response, 409, "task-disabled");
        Assert.Equal(before, await app.SnapshotAsync());
    }

    public static TheoryData<string, string> BadParams => new()
    {
        { """{"params": {"label": "x", "ratio": 1.5, "flag": true, "values": [1]}}""", "params.count" },
        { """{"params": {"count": "5", "label": "x", "ratio": 1.5, "flag": true, "values": [1]}}""", "params.count" },
        { """{"params": {"count": 1.5, "label": "x", "ratio": 1.5, "flag": true, "values": [1]}}""", "params.count" },
        { """{"params": {"count": 1, "label": 5, "ratio": 1.5, "flag": true, "values": [1]}}""", "params.label" },
        { """{"params": {"count": 1, "label": null, "ratio": 1.5, "flag": true, "values": [1]}}""", "params.label" },
        { """{"params": {"count": 1, "label": "x", "ratio": "1.5", "flag": true, "values": [1]}}""", "params.ratio" },
        { """{"params": {"count": 1, "label": "x", "ratio": 1.5, "flag": "yes", "values": [1]}}""", "params.flag" },
        { """{"params": {"count": 1, "label": "x", "ratio": 1.5, "flag": true, "values": {"a": 1}}}""", "params.values" },
        { """{"params": {"count": 1, "label": "x", "ratio": 1.5, "flag": true, "values": ["a"]}}""", "params.values" },
        { """{"params": {"count": 1, "label": "x", "ratio": 1.5, "flag": true, "values": [1], "extra": 1}}""", "params.extra" },
        { """{"params": []}""", "params" },
        { """{"params": {"count": 1}, "environment": {}}""", "environment" },
        { """{"env": {"A": "1"}, "params": {"count": 1, "label": "x", "ratio": 1.5, "flag": true, "values": [1]}}""", "env" },
    };

    [Theory]
    [MemberData(nameof(BadParams))]
    public async Task Execute_FunctionTaskWithBadParams_Is400NamingTheParameter_AndSchedulesNothing(string body, string field)
    {
        var taskId = (await app.CreateTaskAsync("""{"command": "typed"}""")).GetProperty("id").GetString();
        var before = await app.SnapshotAsync();
        using var response = await app.PostAsync($"/api/v1/tasks/{taskId}/$execute", body);
        await Json.AssertProblemAsync(response, 400, "validation-failed", field);
        Assert.Equal(before, await app.SnapshotAsync());
    }

    [Fact]
    public async Task Execute_MalformedBody_Is400()
    {
        var taskId = (await app.CreateTaskAsync("""{"command": "greet_user"}""")).GetProperty("id").GetString();
        using var response = await app.PostAsync($"/api/v1/tasks/{taskId}/$execute", """{"params": """);
        await Json.AssertProblemAsync(response, 400, "malformed-json");
    }

    [Fact]
    public async Task Execute_ShellTaskWithParams_Is400()
    {
        var taskId = (await app.CreateTaskAsync("""{"command": "true"}""")).GetProperty("id").GetString();
        var before = await app.SnapshotAsync();
        using var response = await app.PostAsync($"/api/v1/tasks/{taskId}/$execute", """{"params": {"a": 1}}""");
        await Json.AssertProblemAsync(response, 400, "validation-failed", "params");
        Assert.Equal(before, await app.SnapshotAsync());
    }

    [Theory]
    [InlineData("""{"env": {"A": 1}}""", "env.A")]
    [InlineData("""{"env": {"1A": "x"}}""", "env.1A")]
    [InlineData("""{"env": ["A=1"]}""", "env")]
    public async Task Execute_ShellTaskWithBadEnv_Is400_AndSchedulesNothing(string body, string field)
    {
        var taskId = (await app.CreateTaskAsync("""{"command": "true"}""")).GetProperty("id").GetString();
        var before = await app.SnapshotAsync();
        using var response = await app.PostAsync($"/api/v1/tasks/{taskId}/$execute", body);
        await Json.AssertProblemAsync(response, 400, "validation-failed", field);
        Assert.Equal(before, await app.SnapshotAsync());
    }

    [Fact]
    public async Task CreateFunctionTask_WithDefaultsThatDoNotFit_Is400()
    {
        using var response = await app.PostAsync("/api/v1/tasks", """{"command": "add", "params": {"a": "five"}}""");
        await Json.AssertProblemAsync(response, 400, "validation-failed", "params.a");
        using var unknown = await app.PostAsync("/api/v1/tasks", """{"command": "add", "params": {"c": 1}}""");
        await Json.AssertProblemAsync(unknown, 400, "validation-failed", "params.c");
    }

    [Theory]
    [InlineData("GET", "/api/v1/jobs/{0}")]
    [InlineData("DELETE", "/api/v1/jobs/{0}")]
    [InlineData("POST", "/api/v1/jobs/{0}/$cancel")]
    [InlineData("GET", "/api/v1/jobs/{0}/$stream")]
    [InlineData("GET", "/api/v1/artifacts/{0}")]
    [InlineData("GET", "/api/v1/artifacts/{0}/$download")]
    [InlineData("DELETE", "/api/v1/artifacts/{0}")]
    public async Task UnknownAndMalformedIds_Are404And400(string method, string template)
    {
        var before = await app.SnapshotAsync();
        using (var unknown = await app.SendAsync(new HttpMethod(method), string.Format(System.Globalization.CultureInfo.InvariantCulture, template, NUlid.Ulid.NewUlid())))
        {
            await Json.AssertProblemAsync(unknown, 404, "not-found");
        }

        using (var malformed = await app.SendAsync(new HttpMethod(method), string.Format(System.Globalization.CultureInfo.InvariantCulture, template, "not-an-id")))
        {
            await Json.AssertProblemAsync(malformed, 400, "invalid-id", "id");
        }

        Assert.Equal(before, await app.SnapshotAsync());
    }

    [Theory]
    [InlineData("/api/v1/jobs?status=done", "status", "validation-failed")]
    [InlineData("/api/v1/jobs?task_id=xyz", "task_id", "invalid-id")]
    [InlineData("/api/v1/jobs?limit=0", "limit", "validation-failed")]
    [InlineData("/api/v1/jobs?cursor=zzz", "cursor", "validation-failed")]
    [InlineData("/api/v1/artifacts?job_id=xyz", "job_id", "invalid-id")]
    [InlineData("/api/v1/artifacts?parent_id=1", "parent_id", "invalid-id")]
    [InlineData("/api/v1/artifacts?limit=101", "limit", "validation-failed")]
    public async Task Lists_BadQuery_Are400(string path, string field, string slug)
    {
        using var response = await app.GetAsync(path);
        await Json.AssertProblemAsync(response, 400, slug, field);
    }

    [Fact]
    public async Task Cancel_FinishedJob_Is409_AndLeavesItAsItWas()
    {
        var jobId = await JobWaits.ExecuteAsync(app, """{"command": "true"}""");
        await JobWaits.UntilAsync(app, jobId);
        var before = await app.SnapshotAsync();
        using var response = await app.PostAsync($"/api/v1/jobs/{jobId}/$cancel");
        await Json.AssertProblemAsync(response, 409, "job-finished");
        Assert.Equal(before, await app.SnapshotAsync());
        Assert.Equal("completed", (await JobWaits.UntilAsync(app, jobId)).GetProperty("status").GetString());
    }
}
