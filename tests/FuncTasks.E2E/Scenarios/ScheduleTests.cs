using System.Net;
using System.Text.Json;
using FuncTasks.E2E.Infrastructure;
using Xunit.Abstractions;

namespace FuncTasks.E2E.Scenarios;

/// <summary>Schedules under the host: a 2-second cron fires job after job on time; pause, trigger and delete.</summary>
[Collection(SharedAppCollection.Name)]
public sealed class ScheduleTests(SharedApp shared, ITestOutputHelper output)
{
    private FuncTasksApi Api => shared.Api;

    private async Task<List<JsonElement>> JobsOfAsync(string scheduleId) =>
        [.. (await Api.GetAsync($"api/v1/jobs?schedule_id={scheduleId}&limit=100")).GetProperty("items").EnumerateArray()
            .Where(j => j.GetProperty("scheduled_for").ValueKind == JsonValueKind.String)
            .OrderBy(j => j.Time("scheduled_for"))];

    [E2EFact]
    public async Task EveryTwoSeconds_FiresTenTimesOnTime_ThenPauseAndDeleteStopTheFires()
    {
        var task = await Api.CreateTaskAsync(new { command = "greet_user" });
        var schedule = await Api.PostAsync("api/v1/schedules", new { task_id = task.Str("id"), cron = "*/2 * * * * *", overlap = "allow", @params = new { name = "cron" } }, HttpStatusCode.Created);
        var scheduleId = schedule.Str("id");
        Assert.Equal(5, schedule.GetProperty("next_runs").GetArrayLength());

        var deadline = DateTime.UtcNow.AddSeconds(60);
        List<JsonElement> jobs;
        while ((jobs = await JobsOfAsync(scheduleId)).Count < 10 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(500);
        }

        Assert.True(jobs.Count >= 10, $"{jobs.Count} fires in 60 s");
        var occurrences = jobs.Select(j => j.Time("scheduled_for")).ToList();
        Assert.All(occurrences.Zip(occurrences.Skip(1), (a, b) => (b - a).TotalSeconds), gap => Assert.Equal(2, gap));
        var lateness = jobs.Select(j => (j.Time("submitted_at") - j.Time("scheduled_for")).TotalMilliseconds).Order().ToList();
        output.WriteLine($"fire lateness over {lateness.Count} fires: p50 {lateness[lateness.Count / 2]:0} ms, max {lateness[^1]:0} ms");
        Assert.All(lateness, ms => Assert.InRange(ms, 0, 2000));
        var first = await Api.WaitForJobAsync(jobs[0].Str("id"));
        Assert.Equal("completed", first.Str("status"));
        Assert.Equal(scheduleId, first.Str("schedule_id"));

        var current = await Api.GetAsync($"api/v1/schedules/{scheduleId}");
        Assert.True(current.GetProperty("fires").GetInt64() >= 10);
        Assert.Equal("started", current.GetProperty("last_fire").Str("outcome"));

        // Pause: no fire after the one that may be in flight.
        var paused = await Api.PutAsync($"api/v1/schedules/{scheduleId}", new { task_id = task.Str("id"), cron = "*/2 * * * * *", enabled = false });
        Assert.Empty(paused.GetProperty("next_runs").EnumerateArray());
        await Task.Delay(TimeSpan.FromSeconds(2.5));
        var atPause = (await JobsOfAsync(scheduleId)).Count;
        await Task.Delay(TimeSpan.FromSeconds(5));
        Assert.Equal(atPause, (await JobsOfAsync(scheduleId)).Count);

        // A trigger runs one now, paused or not.
        var triggered = await Api.PostAsync($"api/v1/schedules/{scheduleId}/$trigger", null, HttpStatusCode.Accepted);
        Assert.Equal("completed", (await Api.WaitForJobAsync(triggered.Str("job_id"))).Str("status"));

        // Resume, then delete: the fires stop at once.
        await Api.PutAsync($"api/v1/schedules/{scheduleId}", new { task_id = task.Str("id"), cron = "*/2 * * * * *" });
        deadline = DateTime.UtcNow.AddSeconds(20);
        while ((await JobsOfAsync(scheduleId)).Count <= atPause && DateTime.UtcNow < deadline)
        {
            await Task.Delay(300);
        }

        Assert.True((await JobsOfAsync(scheduleId)).Count > atPause, "no fire after resume");
        await Api.DeleteAsync($"api/v1/schedules/{scheduleId}");
        var atDelete = (await JobsOfAsync(scheduleId)).Count;
        await Task.Delay(TimeSpan.FromSeconds(5));
        Assert.InRange((await JobsOfAsync(scheduleId)).Count, atDelete, atDelete + 1);
        await Api.GetAsync($"api/v1/schedules/{scheduleId}", HttpStatusCode.NotFound);
    }

    [E2EFact]
    public async Task BadSchedules_Are400ProblemsNamingTheField()
    {
        var task = await Api.CreateTaskAsync(new { command = "echo hi" });
        var bad = await Api.PostAsync("api/v1/schedules", new { task_id = task.Str("id"), cron = "*/2 * * *" }, HttpStatusCode.BadRequest);
        Assert.True(bad.GetProperty("errors").TryGetProperty("cron", out _), bad.ToString());
        var zone = await Api.PostAsync("api/v1/schedules", new { task_id = task.Str("id"), cron = "@daily", time_zone = "Nowhere/Atlantis" }, HttpStatusCode.BadRequest);
        Assert.True(zone.GetProperty("errors").TryGetProperty("time_zone", out _), zone.ToString());
        Assert.Empty((await Api.GetAsync($"api/v1/schedules?task_id={task.Str("id")}")).GetProperty("items").EnumerateArray());
    }
}
