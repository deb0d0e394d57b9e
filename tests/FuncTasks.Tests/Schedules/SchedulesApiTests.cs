using System.Net;
using System.Text.Json;
using FuncTasks.Tests.Infrastructure;

namespace FuncTasks.Tests.Schedules;

/// <summary>
/// Schedule create, read, list, replace and delete over HTTP, and every refused request: a 4xx problem naming what is
/// wrong, and the stored rows exactly as they were.
/// </summary>
public sealed class SchedulesApiTests(SchedulesApiTests.Fixture fixture) : IClassFixture<SchedulesApiTests.Fixture>
{
    private readonly AppHost app = fixture.App;

    /// <summary>One app for the class, with a shell task and a function task (<c>add</c>: a and b).</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        public AppHost App { get; private set; } = null!;
        public string ShellTaskId { get; private set; } = null!;
        public string FunctionTaskId { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            App = await AppHost.StartAsync(withDurable: true);
            ShellTaskId = (await App.CreateTaskAsync("""{"command": "echo scheduled"}""")).GetProperty("id").GetString()!;
            FunctionTaskId = (await App.CreateTaskAsync("""{"command": "add"}""")).GetProperty("id").GetString()!;
        }

        public async Task DisposeAsync() => await App.DisposeAsync();
    }

    private string Body(string fields, string? taskId = null) => $$"""{"task_id": "{{taskId ?? fixture.ShellTaskId}}", {{fields}} }""";

    [Fact]
    public async Task Create_201_WithLocationETagDefaultsAndNextRuns_ThenGetListReplaceDelete()
    {
        using var create = await app.PostAsync("/api/v1/schedules", Body("\"cron\": \"30 9 * * MON-FRI\", \"time_zone\": \"America/New_York\", \"tags\": [\"nightly\"]"));
        var created = await Json.ReadAsync(create);
        Assert.Equal(HttpStatusCode.Created, create.StatusCode);
        var id = created.GetProperty("id").GetString()!;
        Assert.Equal($"/api/v1/schedules/{id}", create.Headers.Location!.OriginalString);
        Assert.NotNull(create.Headers.ETag);
        Assert.Equal("skip", created.GetProperty("overlap").GetString());
        Assert.Equal(300, created.GetProperty("catch_up_seconds").GetInt32());
        Assert.True(created.GetProperty("enabled").GetBoolean());
        Assert.Equal(JsonValueKind.Null, created.GetProperty("last_fire").ValueKind);
        Assert.Equal(0, created.GetProperty("fires").GetInt64());
        Assert.Equal(0, created.GetProperty("missed_fires").GetInt64());
        Assert.Equal(JsonValueKind.Null, created.GetProperty("disabled_reason").ValueKind);
        Assert.Equal(JsonValueKind.Null, created.GetProperty("start_at").ValueKind);
        var nextRuns = created.GetProperty("next_runs").EnumerateArray().Select(r => r.GetString()!).ToList();
        Assert.Equal(5, nextRuns.Count);
        Assert.All(nextRuns, r => Assert.Matches(@"^\d{4}-\d{2}-\d{2}T(13|14):30:00\.000Z$", r)); // 09:30 New York, in UTC (EDT or EST)
        Assert.All(nextRuns.Select(DateTimeOffset.Parse), at => Assert.DoesNotContain(at.DayOfWeek, new[] { DayOfWeek.Saturday, DayOfWeek.Sunday }));

        using (var get = await app.GetAsync($"/api/v1/schedules/{id.ToLowerInvariant()}"))
        {
            Assert.Equal(HttpStatusCode.OK, get.StatusCode);
            Assert.Equal(create.Headers.ETag, get.Headers.ETag);
        }

        using (var list = await app.GetAsync($"/api/v1/schedules?tag=nightly&task_id={fixture.ShellTaskId}&enabled=true"))
        {
            var page = await Json.ReadAsync(list);
            Assert.Contains(page.GetProperty("items").EnumerateArray(), s => s.GetProperty("id").GetString() == id);
        }

        using (var stale = await app.SendAsync(HttpMethod.Put, $"/api/v1/schedules/{id}", Body("\"cron\": \"@daily\""), h => h.IfMatch.ParseAdd("\"stale\"")))
        {
            await Json.AssertProblemAsync(stale, 412, "precondition-failed");
        }

        using (var put = await app.SendAsync(HttpMethod.Put, $"/api/v1/schedules/{id}", created.GetRawText().Replace("30 9 * * MON-FRI", "@daily", StringComparison.Ordinal),
                   h => h.IfMatch.Add(create.Headers.ETag!)))
        {
            var replaced = await Json.ReadAsync(put);
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
            Assert.Equal("@daily", replaced.GetProperty("cron").GetString());
            Assert.Equal(created.GetProperty("created_at").GetString(), replaced.GetProperty("created_at").GetString());
            Assert.NotEqual(create.Headers.ETag, put.Headers.ETag);
        }

        using (var delete = await app.DeleteAsync($"/api/v1/schedules/{id}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        }

        using var gone = await app.GetAsync($"/api/v1/schedules/{id}");
        await Json.AssertProblemAsync(gone, 404, "not-found");
    }

    [Fact]
    public async Task ListPages_InCreationOrder_AndFiltersByEnabled()
    {
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add((await ScheduleAssert.CreateAsync(app, Body($"\"cron\": \"@hourly\", \"enabled\": {(i == 1 ? "false" : "true")}, \"tags\": [\"paging\"]"))).GetProperty("id").GetString()!);
        }

        using var first = await app.GetAsync("/api/v1/schedules?tag=paging&limit=2");
        var page = await Json.ReadAsync(first);
        Assert.Equal(ids.Take(2), page.GetProperty("items").EnumerateArray().Select(s => s.GetProperty("id").GetString()));
        using var second = await app.GetAsync($"/api/v1/schedules?tag=paging&limit=2&cursor={page.GetProperty("next_cursor").GetString()}");
        Assert.Equal(ids.Skip(2), (await Json.ReadAsync(second)).GetProperty("items").EnumerateArray().Select(s => s.GetProperty("id").GetString()));

        using var paused = await app.GetAsync("/api/v1/schedules?tag=paging&enabled=false");
        var pausedPage = await Json.ReadAsync(paused);
        var only = Assert.Single(pausedPage.GetProperty("items").EnumerateArray());
        Assert.Equal(ids[1], only.GetProperty("id").GetString());
        Assert.Equal(0, only.GetProperty("next_runs").GetArrayLength()); // paused: no next runs

        foreach (var id in ids)
        {
            using var _ = await app.DeleteAsync($"/api/v1/schedules/{id}");
        }
    }

    public static TheoryData<string, string> BadBodies => new()
    {
        { "{}", "task_id" },
        { """{"cron": "@daily"}""", "task_id" },
        { """{"task_id": "nope", "cron": "@daily"}""", "task_id" },
        { """{"task_id": "01JD8Z5W8Y3M2C9K7Q4R6T1V0X", "cron": "@daily"}""", "task_id" },
        { "\"cron\": null", "cron" },
        { "\"cron\": \"\"", "cron" },
        { "\"cron\": 5", "cron" },
        { "\"cron\": \"* * *\"", "cron" },
        { "\"cron\": \"* * * * * * *\"", "cron" },
        { "\"cron\": \"61 * * * *\"", "cron" },
        { "\"cron\": \"* * * * MON-XYZ\"", "cron" },
        { "\"cron\": \"@fortnightly\"", "cron" },
        { "\"cron\": \"0 0 30 2 *\"", "cron" },
        { "\"cron\": \"@daily\", \"time_zone\": \"Mars/Olympus\"", "time_zone" },
        { "\"cron\": \"@daily\", \"time_zone\": 1", "time_zone" },
        { "\"cron\": \"@daily\", \"overlap\": \"queue\"", "overlap" },
        { "\"cron\": \"@daily\", \"catch_up_seconds\": -1", "catch_up_seconds" },
        { "\"cron\": \"@daily\", \"catch_up_seconds\": 86401", "catch_up_seconds" },
        { "\"cron\": \"@daily\", \"catch_up_seconds\": 1.5", "catch_up_seconds" },
        { "\"cron\": \"@daily\", \"enabled\": \"yes\"", "enabled" },
        { "\"cron\": \"@daily\", \"start_at\": \"tomorrow\"", "start_at" },
        { "\"cron\": \"@daily\", \"start_at\": \"2027-01-01T00:00:00\"", "start_at" },
        { "\"cron\": \"@daily\", \"start_at\": \"2027-02-01T00:00:00Z\", \"end_at\": \"2027-01-01T00:00:00Z\"", "end_at" },
        { "\"cron\": \"@daily\", \"end_at\": \"2020-01-01T00:00:00Z\"", "cron" },
        { "\"cron\": \"@daily\", \"tags\": [\"has space\"]", "tags[0]" },
        { "\"cron\": \"@daily\", \"params\": {\"a\": 1}", "params" },
        { "\"cron\": \"@daily\", \"env\": {\"A\": 1}", "env.A" },
        { "\"cron\": \"@daily\", \"next_fire\": 1", "next_fire" },
        { "\"cron\": \"@daily\", \"id\": \"nope\"", "id" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task Create_RefusesABadBody_NamingTheField_AndStoresNothing(string body, string field)
    {
        var before = await app.SnapshotAsync();
        using var response = await app.PostAsync("/api/v1/schedules", body.StartsWith('{') ? body : Body(body));
        await Json.AssertProblemAsync(response, 400, "validation-failed", field);
        Assert.Equal(before, await app.SnapshotAsync());
    }

    public static TheoryData<string, string> BadFunctionParams => new()
    {
        { """{"a": "one"}""", "params.a" },
        { """{"c": 1}""", "params.c" },
    };

    [Theory]
    [MemberData(nameof(BadFunctionParams))]
    public async Task Create_ChecksParamsAgainstTheTasksFunction(string parameters, string field)
    {
        var before = await app.SnapshotAsync();
        using var response = await app.PostAsync("/api/v1/schedules", Body($"\"cron\": \"@daily\", \"params\": {parameters}", fixture.FunctionTaskId));
        await Json.AssertProblemAsync(response, 400, "validation-failed", field);
        using var env = await app.PostAsync("/api/v1/schedules", Body("\"cron\": \"@daily\", \"env\": {\"A\": \"1\"}", fixture.FunctionTaskId));
        await Json.AssertProblemAsync(env, 400, "validation-failed", "env");
        Assert.Equal(before, await app.SnapshotAsync());
    }

    [Fact]
    public async Task MalformedAndUnknownIds_TakenIds_AndBadQueries_AreProblems_ChangingNothing()
    {
        var existing = (await ScheduleAssert.CreateAsync(app, Body("\"cron\": \"@weekly\""))).GetProperty("id").GetString()!;
        var before = await app.SnapshotAsync();
        const string Unknown = "01JD8Z5W8Y3M2C9K7Q4R6T1V0X";

        foreach (var (method, path, body, status, slug) in new (HttpMethod, string, string?, int, string)[]
        {
            (HttpMethod.Get, "/api/v1/schedules/nope", null, 400, "invalid-id"),
            (HttpMethod.Get, $"/api/v1/schedules/{Unknown}", null, 404, "not-found"),
            (HttpMethod.Put, "/api/v1/schedules/nope", Body("\"cron\": \"@daily\""), 400, "invalid-id"),
            (HttpMethod.Put, $"/api/v1/schedules/{Unknown}", Body("\"cron\": \"@daily\""), 404, "not-found"),
            (HttpMethod.Put, $"/api/v1/schedules/{existing}", Body("\"cron\": \"not cron\""), 400, "validation-failed"),
            (HttpMethod.Put, $"/api/v1/schedules/{existing}", Body($"\"cron\": \"@daily\", \"id\": \"{Unknown}\""), 400, "validation-failed"),
            (HttpMethod.Put, $"/api/v1/schedules/{existing}", "{\"cron\": ", 400, "malformed-json"),
            (HttpMethod.Delete, "/api/v1/schedules/nope", null, 400, "invalid-id"),
            (HttpMethod.Delete, $"/api/v1/schedules/{Unknown}", null, 404, "not-found"),
            (HttpMethod.Post, "/api/v1/schedules", Body($"\"cron\": \"@daily\", \"id\": \"{existing}\""), 409, "schedule-exists"),
            (HttpMethod.Get, "/api/v1/schedules?limit=0", null, 400, "validation-failed"),
            (HttpMethod.Get, "/api/v1/schedules?enabled=maybe", null, 400, "validation-failed"),
            (HttpMethod.Get, "/api/v1/schedules?task_id=nope", null, 400, "invalid-id"),
            (HttpMethod.Get, "/api/v1/schedules?tag=a%20b", null, 400, "validation-failed"),
            (HttpMethod.Get, "/api/v1/jobs?schedule_id=nope", null, 400, "invalid-id"),
        })
        {
            using var response = await app.SendAsync(method, path, body);
            await Json.AssertProblemAsync(response, status, slug);
        }

        using (var stale = await app.SendAsync(HttpMethod.Delete, $"/api/v1/schedules/{existing}", null, h => h.IfMatch.ParseAdd("\"stale\"")))
        {
            await Json.AssertProblemAsync(stale, 412, "precondition-failed");
        }

        Assert.Equal(before, await app.SnapshotAsync());
    }
}
