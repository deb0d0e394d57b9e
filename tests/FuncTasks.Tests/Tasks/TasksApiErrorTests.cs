using System.Net;
using FuncTasks.Tests.Infrastructure;

namespace FuncTasks.Tests.Tasks;

/// <summary>
/// Every refused task request: a 4xx problem document naming what is wrong, and the stored tasks
/// exactly as they were (each test compares a snapshot of the tables before and after).
/// </summary>
public sealed class TasksApiErrorTests(TasksApiErrorTests.Fixture fixture) : IClassFixture<TasksApiErrorTests.Fixture>
{
    private readonly AppHost app = fixture.App;
    private readonly string existingId = fixture.ExistingId;

    /// <summary>One app for the class (4 KiB body limit) with one stored task; tests change nothing by design.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        public AppHost App { get; private set; } = null!;
        public string ExistingId { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            App = await AppHost.StartAsync(new Dictionary<string, string?> { ["FuncTasks:Api:MaxBodyBytes"] = "4096" });
            ExistingId = (await App.CreateTaskAsync("""{"command": "echo existing", "tags": ["keep"]}""")).GetProperty("id").GetString()!;
        }

        public async Task DisposeAsync() => await App.DisposeAsync();
    }

    public static TheoryData<string, int, string, string?> BadCreateBodies => new()
    {
        { "{\"command\": ", 400, "malformed-json", null },
        { "{\"command\": \"echo\",}", 400, "malformed-json", null },
        { "{'command': 'echo'}", 400, "malformed-json", null },
        { "{\"command\": \"a\", \"command\": \"b\"}", 400, "malformed-json", null },
        { "[]", 400, "validation-failed", "body" },
        { "\"echo\"", 400, "validation-failed", "body" },
        { "null", 400, "validation-failed", "body" },
        { "", 400, "validation-failed", "body" },
        { "{}", 400, "validation-failed", "command" },
        { "{\"command\": null}", 400, "validation-failed", "command" },
        { "{\"command\": \"\"}", 400, "validation-failed", "command" },
        { "{\"command\": \"   \"}", 400, "validation-failed", "command" },
        { "{\"command\": 42}", 400, "validation-failed", "command" },
        { "{\"command\": [\"echo\"]}", 400, "validation-failed", "command" },
        { "{\"command\": \"true\", \"enabled\": \"yes\"}", 400, "validation-failed", "enabled" },
        { "{\"command\": \"true\", \"enabled\": 1}", 400, "validation-failed", "enabled" },
        { "{\"command\": \"true\", \"task_type\": \"python\"}", 400, "validation-failed", "task_type" },
        { "{\"command\": \"true\", \"task_type\": 1}", 400, "validation-failed", "task_type" },
        { "{\"command\": \"no_such_function\", \"task_type\": \"function\"}", 400, "validation-failed", "command" },
        { "{\"command\": \"true\", \"params\": [1]}", 400, "validation-failed", "params" },
        { "{\"command\": \"true\", \"params\": \"x\"}", 400, "validation-failed", "params" },
        { "{\"command\": \"true\", \"params\": {\"a\": 1}}", 400, "validation-failed", "params" },
        { "{\"command\": \"true\", \"env\": {\"A\": 1}}", 400, "validation-failed", "env.A" },
        { "{\"command\": \"true\", \"env\": {\"1A\": \"x\"}}", 400, "validation-failed", "env.1A" },
        { "{\"command\": \"true\", \"env\": [\"A=1\"]}", 400, "validation-failed", "env" },
        { "{\"command\": \"true\", \"tags\": \"a\"}", 400, "validation-failed", "tags" },
        { "{\"command\": \"true\", \"tags\": [\"has space\"]}", 400, "validation-failed", "tags[0]" },
        { "{\"command\": \"true\", \"tags\": [\"ok\", \"\"]}", 400, "validation-failed", "tags[1]" },
        { "{\"command\": \"true\", \"tags\": [\"a/b\"]}", 400, "validation-failed", "tags[0]" },
        { "{\"command\": \"true\", \"tags\": [1]}", 400, "validation-failed", "tags[0]" },
        { "{\"command\": \"true\", \"tags\": [\"a\", \"a\"]}", 400, "validation-failed", "tags[1]" },
        { "{\"command\": \"true\", \"tags\": [\"" + new string('x', 101) + "\"]}", 400, "validation-failed", "tags[0]" },
        { "{\"command\": \"true\", \"tags\": [" + string.Join(",", Enumerable.Range(0, 51).Select(i => $"\"t{i}\"")) + "]}", 400, "validation-failed", "tags" },
        { "{\"command\": \"true\", \"timeout_seconds\": 0}", 400, "validation-failed", "timeout_seconds" },
        { "{\"command\": \"true\", \"timeout_seconds\": 86401}", 400, "validation-failed", "timeout_seconds" },
        { "{\"command\": \"true\", \"timeout_seconds\": 1.5}", 400, "validation-failed", "timeout_seconds" },
        { "{\"command\": \"true\", \"timeout_seconds\": \"10\"}", 400, "validation-failed", "timeout_seconds" },
        { "{\"command\": \"true\", \"timeout_seconds\": 1e30}", 400, "validation-failed", "timeout_seconds" },
        { "{\"command\": \"true\", \"retry\": {}}", 400, "validation-failed", "retry.max_attempts" },
        { "{\"command\": \"true\", \"retry\": {\"max_attempts\": 11}}", 400, "validation-failed", "retry.max_attempts" },
        { "{\"command\": \"true\", \"retry\": {\"max_attempts\": 2, \"backoff\": 0.5}}", 400, "validation-failed", "retry.backoff" },
        { "{\"command\": \"true\", \"retry\": {\"max_attempts\": 2, \"first_delay_seconds\": 0}}", 400, "validation-failed", "retry.first_delay_seconds" },
        { "{\"command\": \"true\", \"retry\": {\"max_attempts\": 2, \"jitter\": true}}", 400, "validation-failed", "retry.jitter" },
        { "{\"command\": \"true\", \"retry\": 3}", 400, "validation-failed", "retry" },
        { "{\"command\": \"true\", \"comand\": \"typo\"}", 400, "validation-failed", "comand" },
        { "{\"command\": \"true\", \"id\": \"not-a-ulid\"}", 400, "validation-failed", "id" },
        { "{\"command\": \"true\", \"id\": \"01ARZ3NDEKTSV4RRFFQ69G5FAVX\"}", 400, "validation-failed", "id" },
        { "{\"command\": \"true\", \"id\": \"81ARZ3NDEKTSV4RRFFQ69G5FAV\"}", 400, "validation-failed", "id" },
        { "{\"command\": \"true\", \"id\": \"01ARZ3NDEKTSV4RRFFQ69G5FAU\"}", 400, "validation-failed", "id" },
        { "{\"command\": \"true\", \"id\": 12}", 400, "validation-failed", "id" },
    };

    [Theory]
    [MemberData(nameof(BadCreateBodies))]
    public async Task Create_BadBody_IsProblem_AndChangesNothing(string body, int status, string slug, string? field)
    {
        var before = await app.SnapshotAsync();
        using var response = await app.PostAsync("/api/v1/tasks", body);
        await Json.AssertProblemAsync(response, status, slug, field);
        Assert.Equal(before, await app.SnapshotAsync());
    }

    [Fact]
    public async Task Create_CommandOver8192Characters_Is400_And8192Passes()
    {
        // This body is larger than the 4 KiB limit of this class's app; use one with the default limit.
        await using var defaults = await AppHost.StartAsync();
        var before = await defaults.SnapshotAsync();
        using var tooLong = await defaults.PostAsync("/api/v1/tasks", $$"""{"command": "echo {{new string('x', 8192 - 4)}}"}""");
        await Json.AssertProblemAsync(tooLong, 400, "validation-failed", "command");
        Assert.Equal(before, await defaults.SnapshotAsync());

        var task = await defaults.CreateTaskAsync($$"""{"command": "echo {{new string('x', 8192 - 5)}}"}""");
        Assert.Equal(8192, task.GetProperty("command").GetString()!.Length);
    }

    [Fact]
    public async Task Create_ListsEveryBadField_InOneAnswer()
    {
        using var response = await app.PostAsync("/api/v1/tasks", """{"command": "", "enabled": "no", "timeout_seconds": -1, "tags": [""]}""");
        var problem = await Json.AssertProblemAsync(response, 400, "validation-failed");
        var errors = problem.GetProperty("errors");
        foreach (var field in new[] { "command", "enabled", "timeout_seconds", "tags[0]" })
        {
            Assert.True(errors.TryGetProperty(field, out _), $"missing {field} in {errors}");
        }
    }

    [Fact]
    public async Task Create_TakenClientId_Is409_AndKeepsTheOriginal()
    {
        var before = await app.SnapshotAsync();
        using var response = await app.PostAsync("/api/v1/tasks", $$"""{"id": "{{existingId}}", "command": "echo other"}""");
        await Json.AssertProblemAsync(response, 409, "task-exists");
        Assert.Equal(before, await app.SnapshotAsync());
    }

    [Fact]
    public async Task Create_BodyOverTheSizeLimit_Is413()
    {
        var before = await app.SnapshotAsync();
        using var response = await app.PostAsync("/api/v1/tasks", $$"""{"command": "true", "tags": [], "padding": "{{new string(' ', 5000)}}"}""");
        await Json.AssertProblemAsync(response, 413, "payload-too-large");
        Assert.Equal(before, await app.SnapshotAsync());
    }

    [Fact]
    public async Task Create_BodyOverTheSizeLimit_WithoutContentLength_Is413()
    {
        var before = await app.SnapshotAsync();
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/tasks")
        {
            Content = new StreamContent(new MemoryStream(System.Text.Encoding.UTF8.GetBytes($$"""{"command": "{{new string('x', 5000)}}"}"""))),
        };
        request.Headers.TransferEncodingChunked = true;
        using var response = await app.Client.SendAsync(request);
        await Json.AssertProblemAsync(response, 413, "payload-too-large");
        Assert.Equal(before, await app.SnapshotAsync());
    }

    [Theory]
    [InlineData("not-a-ulid")]
    [InlineData("01ARZ3NDEKTSV4RRFFQ69G5FAVX")]
    [InlineData("01ARZ3NDEKTSV4RRFFQ69G5FA")]
    [InlineData("01ARZ3NDEKTSV4RRFFQ69G5FAU")]
    [InlineData("81ARZ3NDEKTSV4RRFFQ69G5FAV")]
    [InlineData("%F0%9F%98%80")]
    public async Task MalformedId_Is400_OnGetPutDelete(string id)
    {
        var before = await app.SnapshotAsync();
        using (var get = await app.GetAsync($"/api/v1/tasks/{id}"))
        {
            await Json.AssertProblemAsync(get, 400, "invalid-id", "id");
        }

        using (var put = await app.PutAsync($"/api/v1/tasks/{id}", """{"command": "true"}"""))
        {
            await Json.AssertProblemAsync(put, 400, "invalid-id", "id");
        }

        using (var delete = await app.DeleteAsync($"/api/v1/tasks/{id}"))
        {
            await Json.AssertProblemAsync(delete, 400, "invalid-id", "id");
        }

        Assert.Equal(before, await app.SnapshotAsync());
    }

    [Fact]
    public async Task UnknownId_Is404_OnGetPutDelete()
    {
        var unknown = NUlid.Ulid.NewUlid().ToString();
        var before = await app.SnapshotAsync();
        using (var get = await app.GetAsync($"/api/v1/tasks/{unknown}"))
        {
            var problem = await Json.AssertProblemAsync(get, 404, "not-found");
            Assert.Equal($"/api/v1/tasks/{unknown}", problem.GetProperty("instance").GetString());
        }

        using (var put = await app.PutAsync($"/api/v1/tasks/{unknown}", """{"command": "true"}"""))
        {
            await Json.AssertProblemAsync(put, 404, "not-found");
        }

        using (var delete = await app.DeleteAsync($"/api/v1/tasks/{unknown}"))
        {
            await Json.AssertProblemAsync(delete, 404, "not-found");
        }

        Assert.Equal(before, await app.SnapshotAsync());
    }

    [Theory]
    [InlineData("{\"command\": \"\"}", "validation-failed", "command")]
    [InlineData("{\"command\": \"true\", \"tags\": [\"bad tag\"]}", "validation-failed", "tags[0]")]
    [InlineData("not json", "malformed-json", null)]
    [InlineData("{\"command\": \"true\", \"id\": \"01ARZ3NDEKTSV4RRFFQ69G5FAV\"}", "validation-failed", "id")]
    public async Task Put_BadBody_IsProblem_AndChangesNothing(string body, string slug, string? field)
    {
        var before = await app.SnapshotAsync();
        using var response = await app.PutAsync($"/api/v1/tasks/{existingId}", body);
        await Json.AssertProblemAsync(response, 400, slug, field);
        Assert.Equal(before, await app.SnapshotAsync());
    }

    [Fact]
    public async Task Put_MalformedIfMatch_Is412_AndChangesNothing()
    {
        var before = await app.SnapshotAsync();
        using var response = await app.SendAsync(HttpMethod.Put, $"/api/v1/tasks/{existingId}", """{"command": "echo changed"}""",
            h => h.TryAddWithoutValidation("If-Match", "garbage"));
        await Json.AssertProblemAsync(response, 412, "precondition-failed");
        Assert.Equal(before, await app.SnapshotAsync());
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=101", "limit")]
    [InlineData("limit=-1", "limit")]
    [InlineData("limit=abc", "limit")]
    [InlineData("limit=1.5", "limit")]
    [InlineData("limit=", "limit")]
    [InlineData("limit=1&limit=2", "limit")]
    [InlineData("cursor=not-a-cursor", "cursor")]
    [InlineData("cursor=", "cursor")]
    [InlineData("cursor=azE6Li4v", "cursor")]
    [InlineData("enabled=yes", "enabled")]
    [InlineData("task_type=python", "task_type")]
    [InlineData("tag=bad%20tag", "tag")]
    public async Task List_BadQuery_Is400(string query, string field)
    {
        using var response = await app.GetAsync($"/api/v1/tasks?{query}");
        await Json.AssertProblemAsync(response, 400, "validation-failed", field);
    }

    [Fact]
    public async Task List_IgnoresTheFunctionKeyParameter()
    {
        using var response = await app.GetAsync("/api/v1/tasks?code=some-function-key");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
