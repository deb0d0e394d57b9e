using System.Net;
using System.Text.Json;
using FuncTasks.Tests.Infrastructure;

namespace FuncTasks.Tests.Tasks;

/// <summary>The Tasks table of the contract: success paths, headers, paging and filters.</summary>
public sealed class TasksApiTests : AppTests
{
    [Fact]
    public async Task Create_ShellCommand_Returns201WithLocationETagAndEveryField()
    {
        using var response = await App.PostAsync("/api/v1/tasks", """{"command": "echo 'Hello from shell!'", "tags": ["nightly", "ops_1"], "env": {"GREETING": "hi"}}""");
        var task = await Json.ReadAsync(response);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var id = task.GetProperty("id").GetString()!;
        Assert.Equal(26, id.Length);
        Assert.Equal($"/api/v1/tasks/{id}", response.Headers.Location?.OriginalString);
        Assert.NotNull(response.Headers.ETag);
        Assert.False(response.Headers.ETag!.IsWeak);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);

        Assert.Equal("echo 'Hello from shell!'", task.GetProperty("command").GetString());
        Assert.Equal("shell", task.GetProperty("task_type").GetString());
        Assert.Equal(JsonValueKind.Null, task.GetProperty("params").ValueKind);
        Assert.Equal("hi", task.GetProperty("env").GetProperty("GREETING").GetString());
        Assert.True(task.GetProperty("enabled").GetBoolean());
        Assert.Equal(["nightly", "ops_1"], task.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(JsonValueKind.Null, task.GetProperty("timeout_seconds").ValueKind);
        Assert.Equal(JsonValueKind.Null, task.GetProperty("retry").ValueKind);
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$", task.GetProperty("created_at").GetString());
        Assert.Equal(task.GetProperty("created_at").GetString(), task.GetProperty("updated_at").GetString());
    }

    [Fact]
    public async Task Create_WithClientUlid_KeepsIt_InUpperCase()
    {
        var id = NUlid.Ulid.NewUlid().ToString();
        var task = await App.CreateTaskAsync($$"""{"id": "{{id.ToLowerInvariant()}}", "command": "true"}""");
        Assert.Equal(id, task.GetProperty("id").GetString());

        using var get = await App.GetAsync($"/api/v1/tasks/{id}");
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
    }

    [Fact]
    public async Task Create_WithTimeoutAndRetry_StoresThem_WithRetryDefaults()
    {
        var task = await App.CreateTaskAsync("""{"command": "sleep 1", "timeout_seconds": 30, "retry": {"max_attempts": 3}}""");
        Assert.Equal(30, task.GetProperty("timeout_seconds").GetInt32());
        var retry = task.GetProperty("retry");
        Assert.Equal(3, retry.GetProperty("max_attempts").GetInt32());
        Assert.Equal(1, retry.GetProperty("first_delay_seconds").GetDouble());
        Assert.Equal(2, retry.GetProperty("backoff").GetDouble());
    }

    [Fact]
    public async Task Get_ReturnsTheStoredTask_WithTheSameETag()
    {
        using var created = await App.PostAsync("/api/v1/tasks", """{"command": "ls -la", "enabled": false}""");
        var task = await Json.ReadAsync(created);

        using var response = await App.GetAsync($"/api/v1/tasks/{task.GetProperty("id").GetString()}");
        var fetched = await Json.ReadAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(created.Headers.ETag, response.Headers.ETag);
        Assert.Equal(task.GetRawText(), fetched.GetRawText());
        Assert.False(fetched.GetProperty("enabled").GetBoolean());
    }

    [Fact]
    public async Task Get_LowercaseId_FindsTheTask()
    {
        var task = await App.CreateTaskAsync("""{"command": "true"}""");
        using var response = await App.GetAsync($"/api/v1/tasks/{task.GetProperty("id").GetString()!.ToLowerInvariant()}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Put_ReplacesWritableFields_KeepsIdAndCreatedAt_MovesUpdatedAt()
    {
        var task = await App.CreateTaskAsync("""{"command": "echo one", "tags": ["a"], "timeout_seconds": 10}""");
        var id = task.GetProperty("id").GetString();
        await Task.Delay(5);

        using var response = await App.PutAsync($"/api/v1/tasks/{id}", """{"command": "echo two", "enabled": false}""");
        var replaced = await Json.ReadAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(id, replaced.GetProperty("id").GetString());
        Assert.Equal("echo two", replaced.GetProperty("command").GetString());
        Assert.False(replaced.GetProperty("enabled").GetBoolean());
        Assert.Equal(0, replaced.GetProperty("tags").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, replaced.GetProperty("timeout_seconds").ValueKind);
        Assert.Equal(task.GetProperty("created_at").GetString(), replaced.GetProperty("created_at").GetString());
        Assert.True(string.CompareOrdinal(replaced.GetProperty("updated_at").GetString(), task.GetProperty("updated_at").GetString()) > 0);
        Assert.NotNull(response.Headers.ETag);

        using var get = await App.GetAsync($"/api/v1/tasks/{id}");
        Assert.Equal(replaced.GetRawText(), (await Json.ReadAsync(get)).GetRawText());
        Assert.Equal(response.Headers.ETag, get.Headers.ETag);
    }

    [Fact]
    public async Task Put_AcceptsTheTaskAsReturnedByGet_RoundTrip()
    {
        var task = await App.CreateTaskAsync("""{"command": "echo one"}""");
        var id = task.GetProperty("id").GetString();
        var edited = task.GetRawText().Replace("echo one", "echo edited", StringComparison.Ordinal);

        using var response = await App.PutAsync($"/api/v1/tasks/{id}", edited);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("echo edited", (await Json.ReadAsync(response)).GetProperty("command").GetString());
    }

    [Fact]
    public async Task Put_WithMatchingIfMatch_Succeeds_AndStaleIfMatch_Is412()
    {
        using var created = await App.PostAsync("/api/v1/tasks", """{"command": "echo v1"}""");
        var id = (await Json.ReadAsync(created)).GetProperty("id").GetString();
        var firstETag = created.Headers.ETag!.ToString();

        using var first = await App.SendAsync(HttpMethod.Put, $"/api/v1/tasks/{id}", """{"command": "echo v2"}""",
            h => h.TryAddWithoutValidation("If-Match", firstETag));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.NotEqual(firstETag, first.Headers.ETag!.ToString());

        var before = await App.SnapshotAsync();
        using var stale = await App.SendAsync(HttpMethod.Put, $"/api/v1/tasks/{id}", """{"command": "echo v3"}""",
            h => h.TryAddWithoutValidation("If-Match", firstETag));
        await Json.AssertProblemAsync(stale, 412, "precondition-failed");
        Assert.Equal(before, await App.SnapshotAsync());

        using var star = await App.SendAsync(HttpMethod.Put, $"/api/v1/tasks/{id}", """{"command": "echo v4"}""",
            h => h.TryAddWithoutValidation("If-Match", "*"));
        Assert.Equal(HttpStatusCode.OK, star.StatusCode);
    }

    [Fact]
    public async Task Delete_Returns204_ThenTheTaskIs404()
    {
        var id = (await App.CreateTaskAsync("""{"command": "true"}""")).GetProperty("id").GetString();

        using var response = await App.DeleteAsync($"/api/v1/tasks/{id}");
        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());

        using var get = await App.GetAsync($"/api/v1/tasks/{id}");
        await Json.AssertProblemAsync(get, 404, "not-found");
        using var again = await App.DeleteAsync($"/api/v1/tasks/{id}");
        await Json.AssertProblemAsync(again, 404, "not-found");
    }

    [Fact]
    public async Task Delete_WithStaleIfMatch_Is412_AndKeepsTheTask()
    {
        using var created = await App.PostAsync("/api/v1/tasks", """{"command": "true"}""");
        var id = (await Json.ReadAsync(created)).GetProperty("id").GetString();
        using var update = await App.PutAsync($"/api/v1/tasks/{id}", """{"command": "false"}""");

        using var response = await App.SendAsync(HttpMethod.Delete, $"/api/v1/tasks/{id}", null,
            h => h.TryAddWithoutValidation("If-Match", created.Headers.ETag!.ToString()));
        await Json.AssertProblemAsync(response, 412, "precondition-failed");

        using var get = await App.GetAsync($"/api/v1/tasks/{id}");
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
    }

    [Fact]
    public async Task List_PagesInCreationOrder_WithCursor()
    {
        var ids = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            ids.Add((await App.CreateTaskAsync($$"""{"command": "echo {{i}}"}""")).GetProperty("id").GetString()!);
        }

        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            using var response = await App.GetAsync("/api/v1/tasks?limit=3" + (cursor is null ? string.Empty : $"&cursor={cursor}"));
            var page = await Json.ReadAsync(response);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.True(page.GetProperty("items").GetArrayLength() <= 3);
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(t => t.GetProperty("id").GetString()!));
            cursor = page.GetProperty("next_cursor").GetString();
            pages++;
        }
        while (cursor is not null);

        Assert.Equal(ids, seen);
        Assert.Equal(3, pages);
    }

    [Fact]
    public async Task List_Empty_ReturnsNoItemsAndNullCursor()
    {
        using var response = await App.GetAsync("/api/v1/tasks");
        var page = await Json.ReadAsync(response);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(0, page.GetProperty("items").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, page.GetProperty("next_cursor").ValueKind);
    }

    [Fact]
    public async Task List_DefaultLimitIs50()
    {
        for (var i = 0; i < 51; i++)
        {
            await App.CreateTaskAsync("""{"command": "true"}""");
        }

        using var response = await App.GetAsync("/api/v1/tasks");
        var page = await Json.ReadAsync(response);
        Assert.Equal(50, page.GetProperty("items").GetArrayLength());
        Assert.NotEqual(JsonValueKind.Null, page.GetProperty("next_cursor").ValueKind);
    }

    [Fact]
    public async Task List_FiltersByEnabledTypeAndTag()
    {
        var a = (await App.CreateTaskAsync("""{"command": "echo a", "tags": ["x", "y"]}""")).GetProperty("id").GetString();
        var b = (await App.CreateTaskAsync("""{"command": "echo b", "tags": ["y"], "enabled": false}""")).GetProperty("id").GetString();
        var c = (await App.CreateTaskAsync("""{"command": "echo c"}""")).GetProperty("id").GetString();

        Assert.Equal([a, c], await IdsAsync("/api/v1/tasks?enabled=true"));
        Assert.Equal([b], await IdsAsync("/api/v1/tasks?enabled=false"));
        Assert.Equal([a, b], await IdsAsync("/api/v1/tasks?tag=y"));
        Assert.Equal([a], await IdsAsync("/api/v1/tasks?tag=y&tag=x"));
        Assert.Equal([a, b, c], await IdsAsync("/api/v1/tasks?task_type=shell"));
        Assert.Empty(await IdsAsync("/api/v1/tasks?task_type=function"));
        Assert.Equal([b], await IdsAsync("/api/v1/tasks?tag=y&enabled=false"));
    }

    [Fact]
    public async Task List_WithTagFilter_PagesThroughMatchesOnly()
    {
        var tagged = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            var tags = i % 2 == 0 ? """["even"]""" : "[]";
            var id = (await App.CreateTaskAsync($$"""{"command": "echo {{i}}", "tags": {{tags}}}""")).GetProperty("id").GetString()!;
            if (i % 2 == 0)
            {
                tagged.Add(id);
            }
        }

        using var first = await App.GetAsync("/api/v1/tasks?tag=even&limit=2");
        var page = await Json.ReadAsync(first);
        var cursor = page.GetProperty("next_cursor").GetString();
        using var second = await App.GetAsync($"/api/v1/tasks?tag=even&limit=2&cursor={cursor}");
        var next = await Json.ReadAsync(second);

        var ids = page.GetProperty("items").EnumerateArray().Concat(next.GetProperty("items").EnumerateArray())
            .Select(t => t.GetProperty("id").GetString()!).ToList();
        Assert.Equal(tagged, ids);
        Assert.Equal(JsonValueKind.Null, next.GetProperty("next_cursor").ValueKind);
    }

    [Fact]
    public async Task Routes_AreCaseInsensitive_ForTheLiteralSegments()
    {
        using var response = await App.GetAsync("/api/V1/Tasks");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private async Task<List<string?>> IdsAsync(string path)
    {
        using var response = await App.GetAsync(path);
        var page = await Json.ReadAsync(response);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return page.GetProperty("items").EnumerateArray().Select(t => t.GetProperty("id").GetString()).ToList();
    }
}
