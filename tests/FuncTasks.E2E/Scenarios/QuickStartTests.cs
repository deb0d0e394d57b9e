using System.Net;
using System.Text.Json;
using FuncTasks.E2E.Infrastructure;
using FuncTasks.Testing.Host;

namespace FuncTasks.E2E.Scenarios;

/// <summary>The README's quick start, step by step as written, under the host (with a function key).</summary>
[Collection(SharedAppCollection.Name)]
public sealed class QuickStartTests(SharedApp shared)
{
    [E2EFact]
    public async Task QuickStart_AsTheReadmeWritesIt()
    {
        var api = shared.Api;

        var task = await api.CreateTaskAsync(JsonDocument.Parse("""{"command": "greet_user", "enabled": true, "params": {"name": "Alice"}}""").RootElement);
        var accepted = await api.ExecuteAsync(task.Str("id"), JsonDocument.Parse("""{"params": {"name": "Bob"}}""").RootElement);
        var jobId = accepted.Str("job_id");
        Assert.Equal("pending", accepted.Str("status"));
        Assert.Equal($"/api/v1/jobs/{jobId}", accepted.GetProperty("links").Str("job"));

        var events = await api.ReadStreamAsync(jobId, TimeSpan.FromSeconds(60));
        Assert.Equal("completed", events[^1].Data.Str("status"));
        var job = await api.GetJobAsync(jobId);
        Assert.Equal("completed", job.Str("status"));

        var later = (await api.ExecuteAsync(task.Str("id"), JsonDocument.Parse("""{"delay_seconds": 60}""").RootElement)).Str("job_id");
        var delayed = await api.GetJobAsync(later);
        Assert.Equal("pending", delayed.Str("status"));
        Assert.True(delayed.Time("scheduled_for") > delayed.Time("submitted_at"));
        await api.PostAsync($"api/v1/jobs/{later}/$cancel", null, HttpStatusCode.Accepted); // not in the README: keeps the shared app quiet

        var artifact = await api.GetAsync($"api/v1/artifacts/{job.Str("artifact_id")}");
        Assert.Equal("Hello, Bob!", artifact.GetProperty("data").GetProperty("result").Str("message"));

        var rerun = (await api.PostAsync($"api/v1/jobs/{jobId}/$rerun", JsonDocument.Parse("""{"params": {"name": "Ada"}}""").RootElement, HttpStatusCode.Accepted)).Str("job_id");
        var rerunJob = await api.WaitForJobAsync(rerun);
        Assert.Equal(jobId, rerunJob.Str("rerun_of"));
        Assert.Equal("Hello, Ada!", (await api.GetAsync($"api/v1/artifacts/{rerunJob.Str("artifact_id")}")).GetProperty("data").GetProperty("result").Str("message"));

        var shell = await api.CreateTaskAsync(JsonDocument.Parse("""{"command": "echo 'Hello from shell!' && ls | wc -l", "tags": ["demo"], "timeout_seconds": 60}""").RootElement);
        Assert.Equal("shell", shell.Str("task_type"));
        var shellJob = await api.WaitForJobAsync((await api.ExecuteAsync(shell.Str("id"))).Str("job_id"));
        Assert.Equal("completed", shellJob.Str("status"));
        var shellResult = (await api.GetAsync($"api/v1/artifacts/{shellJob.Str("artifact_id")}")).GetProperty("data");
        Assert.StartsWith("Hello from shell!\n", shellResult.Str("stdout"), StringComparison.Ordinal);

        var tick = await api.CreateTaskAsync(new { command = "for i in 1 2 3 4 5; do echo tick $i; sleep 1; done" });
        var tickJob = (await api.ExecuteAsync(tick.Str("id"))).Str("job_id");
        using (var followed = await api.SendRawAsync(HttpMethod.Get, $"api/v1/jobs/{tickJob}/$logs?follow=true"))
        {
            Assert.Equal(HttpStatusCode.OK, followed.StatusCode);
            Assert.Equal("tick 1\ntick 2\ntick 3\ntick 4\ntick 5\n", await followed.Content.ReadAsStringAsync());
        }

        using (var stderr = await api.SendRawAsync(HttpMethod.Get, $"api/v1/jobs/{tickJob}/$logs?stream=stderr"))
        {
            Assert.Equal(HttpStatusCode.OK, stderr.StatusCode);
            Assert.Equal(string.Empty, await stderr.Content.ReadAsStringAsync());
        }

        var page = await api.GetAsync("api/v1/tasks?limit=10&tag=demo");
        Assert.Contains(page.GetProperty("items").EnumerateArray(), t => t.Str("id") == shell.Str("id"));
        using (var got = await api.SendRawAsync(HttpMethod.Get, $"api/v1/tasks/{shell.Str("id")}"))
        {
            Assert.Equal(HttpStatusCode.OK, got.StatusCode);
            Assert.NotNull(got.Headers.ETag);
        }

        var replaced = await api.PutAsync($"api/v1/tasks/{shell.Str("id")}", new { command = "echo updated", enabled = false });
        Assert.Equal("echo updated", replaced.Str("command"));
        Assert.False(replaced.GetProperty("enabled").GetBoolean());
        await api.DeleteAsync($"api/v1/tasks/{shell.Str("id")}");

        var functions = await api.GetAsync("api/v1/tasks/$functions");
        Assert.Contains(functions.GetProperty("items").EnumerateArray(), f => f.Str("name") == "greet_user");
        var orphaned = await api.GetAsync("api/v1/tasks/$orphaned");
        Assert.Equal(0, orphaned.GetProperty("count").GetInt32());
        var gate = await api.GetAsync("api/v1/concurrency");
        Assert.Equal(5, gate.GetProperty("limit").GetInt32());
        await api.SetLimitAsync(2);
        await api.SetLimitAsync(5);

        // The schedule block.
        var schedule = await api.PostAsync("api/v1/schedules", JsonDocument.Parse(
            $$"""{"task_id": "{{task.Str("id")}}", "cron": "30 9 * * MON-FRI", "time_zone": "America/New_York", "params": {"name": "team"} }""").RootElement, HttpStatusCode.Created);
        var scheduleId = schedule.Str("id");
        var read = await api.GetAsync($"api/v1/schedules/{scheduleId}");
        Assert.Equal(5, read.GetProperty("next_runs").GetArrayLength());
        Assert.Equal(0, read.GetProperty("fires").GetInt64());
        var triggered = (await api.PostAsync($"api/v1/schedules/{scheduleId}/$trigger", null, HttpStatusCode.Accepted)).Str("job_id");
        Assert.Equal("Hello, team!", (await api.GetAsync($"api/v1/artifacts/{(await api.WaitForJobAsync(triggered)).Str("artifact_id")}"))
            .GetProperty("data").GetProperty("result").Str("message"));
        Assert.Contains((await api.GetAsync($"api/v1/jobs?schedule_id={scheduleId}")).GetProperty("items").EnumerateArray(), j => j.Str("id") == triggered);
        var paused = await api.PutAsync($"api/v1/schedules/{scheduleId}", JsonDocument.Parse(
            $$"""{"task_id": "{{task.Str("id")}}", "cron": "30 9 * * MON-FRI", "time_zone": "America/New_York", "enabled": false}""").RootElement);
        Assert.Empty(paused.GetProperty("next_runs").EnumerateArray());
        await api.DeleteAsync($"api/v1/schedules/{scheduleId}");

        using var anonymous = api.Host.CreateClient(withKey: false);
        using var health = await anonymous.GetAsync(new Uri("api/health", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("healthy", JsonDocument.Parse(await health.Content.ReadAsStringAsync()).RootElement.Str("status"));
    }

    [E2EFact]
    public async Task FunctionKey_IsRequired_ExceptOnHealthAndTheDocs()
    {
        using var anonymous = shared.Api.Host.CreateClient(withKey: false);

        using var noKey = await anonymous.GetAsync(new Uri("api/v1/tasks", UriKind.Relative));
        using var wrongKey = await anonymous.GetAsync(new Uri("api/v1/tasks?code=not-a-key", UriKind.Relative));
        using var queryKey = await anonymous.GetAsync(new Uri($"api/v1/tasks?code={Uri.EscapeDataString(shared.Api.Host.FunctionKey)}", UriKind.Relative));
        using var health = await anonymous.GetAsync(new Uri("api/health", UriKind.Relative));
        using var openApi = await anonymous.GetAsync(new Uri("api/openapi.json", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, noKey.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongKey.StatusCode);
        Assert.Equal(HttpStatusCode.OK, queryKey.StatusCode);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, openApi.StatusCode);
    }

    [E2EFact]
    public async Task LiteralRoutes_WinOverTheIdRoutes_AndBadIdsAre400()
    {
        var api = shared.Api;
        Assert.True((await api.GetAsync("api/v1/tasks/$functions")).TryGetProperty("items", out _));
        Assert.True((await api.GetAsync("api/v1/tasks/$orphaned")).TryGetProperty("orphaned_tasks", out _));
        Assert.True((await api.GetAsync("api/v1/jobs/$stats")).TryGetProperty("counts", out _));
        Assert.Equal("since", (await api.GetAsync("api/v1/jobs/$stats?since=yesterday", HttpStatusCode.BadRequest)).GetProperty("errors").EnumerateObject().Single().Name);
        var bad = await api.GetAsync("api/v1/tasks/not-a-ulid", HttpStatusCode.BadRequest);
        Assert.Equal("application/problem+json", (await api.SendRawAsync(HttpMethod.Get, "api/v1/tasks/not-a-ulid")).Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("urn:functasks:error:", bad.Str("type"), StringComparison.Ordinal);
        await api.GetAsync("api/v1/jobs/01J00000000000000000000000", HttpStatusCode.NotFound);
    }
}
