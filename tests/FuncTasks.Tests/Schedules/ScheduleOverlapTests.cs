using System.Net;
using System.Text.Json;
using FuncTasks.Testing;
using FuncTasks.Tests.Gate;
using FuncTasks.Tests.Infrastructure;

namespace FuncTasks.Tests.Schedules;

/// <summary>
/// The four overlap policies, each with a task that outlasts the schedule's 1-second interval (a job that holds until
/// the test opens its latch), and <c>$trigger</c> under them.
/// </summary>
public sealed class ScheduleOverlapTests() : AppTests(configureServices: GateTestFunctions.Register, withDurable: true)
{
    private static string Fire(JsonElement schedule) => schedule.GetProperty("last_fire") is { ValueKind: JsonValueKind.Object } fire
        ? fire.GetProperty("outcome").GetString()!
        : "none";

    private async Task<(string ScheduleId, string Latch)> HoldingScheduleAsync(string overlap)
    {
        var latch = GateTestFunctions.NewLatch();
        var taskId = (await App.CreateTaskAsync($$"""{"command": "{{GateTestFunctions.Hold}}"}""")).GetProperty("id").GetString()!;
        var schedule = await ScheduleAssert.CreateAsync(App,
            $$"""{"task_id": "{{taskId}}", "cron": "* * * * * *", "overlap": "{{overlap}}", "params": {"latch": "{{latch}}"} }""");
        return (schedule.GetProperty("id").GetString()!, latch);
    }

    [Fact]
    public async Task Skip_StartsNoJobWhileOneRuns()
    {
        var (scheduleId, latch) = await HoldingScheduleAsync("skip");
        var first = (await ScheduleAssert.UntilJobsAsync(App, scheduleId, 1))[0];
        await JobWaits.UntilAsync(App, first.Id, statuses: "running");
        await ScheduleAssert.UntilAsync(App, scheduleId, s => Fire(s) == "skipped_overlap", "skipped an overlapping occurrence");
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Single(await ScheduleAssert.JobsAsync(App, scheduleId));

        using (var trigger = await App.PostAsync($"/api/v1/schedules/{scheduleId}/$trigger"))
        {
            await Json.AssertProblemAsync(trigger, 409, "schedule-busy");
        }

        GateTestFunctions.Open(latch);
        await ScheduleAssert.UntilJobsAsync(App, scheduleId, 2); // once it has finished, the next occurrence starts one
    }

    [Fact]
    public async Task Allow_StartsAJobAtEveryOccurrence_WhileOthersRun()
    {
        var (scheduleId, latch) = await HoldingScheduleAsync("allow");
        var jobs = await ScheduleAssert.UntilJobsAsync(App, scheduleId, 3);
        await Poll.UntilAsync(async () => (await GateAssert.ListJobsAsync(App, $"schedule_id={scheduleId}&status=running")).Count >= 2,
            "two of the schedule's jobs run at once");
        GateTestFunctions.Open(latch);
        Assert.Equal("completed", (await JobWaits.UntilAsync(App, jobs[0].Id)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task BufferOne_KeepsOneJobWaiting_ThatStartsWhenTheRunningOneEnds()
    {
        var (scheduleId, latch) = await HoldingScheduleAsync("buffer_one");
        var first = (await ScheduleAssert.UntilJobsAsync(App, scheduleId, 1))[0];
        await JobWaits.UntilAsync(App, first.Id, statuses: "running");
        var buffered = await ScheduleAssert.UntilAsync(App, scheduleId, s => Fire(s) == "buffered", "buffered a job");
        var bufferedId = buffered.GetProperty("last_fire").GetProperty("job_id").GetString()!;
        await ScheduleAssert.UntilAsync(App, scheduleId, s => Fire(s) == "skipped_overlap", "skipped once the buffer was full");
        Assert.Equal(2, (await ScheduleAssert.JobsAsync(App, scheduleId)).Count);
        var waiting = await GateAssert.GetJobAsync(App, bufferedId);
        Assert.Equal("pending", waiting.Status);
        Assert.Null(waiting.StartedAt);

        GateTestFunctions.Open(latch);
        var firstDone = JobRecord.From(await JobWaits.UntilAsync(App, first.Id));
        var bufferedDone = JobRecord.From(await JobWaits.UntilAsync(App, bufferedId));
        Assert.Equal("completed", bufferedDone.Status);
        Assert.True(bufferedDone.StartedAt >= firstDone.FinishedAt, $"the buffered job started at {bufferedDone.StartedAt:O}, before the first ended at {firstDone.FinishedAt:O}");
    }

    [Fact]
    public async Task CancelPrevious_CancelsTheRunningJob_ThenStartsTheNewOne()
    {
        var (scheduleId, latch) = await HoldingScheduleAsync("cancel_previous");
        var first = (await ScheduleAssert.UntilJobsAsync(App, scheduleId, 1))[0];
        await ScheduleAssert.UntilAsync(App, scheduleId, s => Fire(s) == "canceled_previous", "canceled its previous job");
        Assert.Equal("canceled", (await JobWaits.UntilAsync(App, first.Id)).GetProperty("status").GetString());
        var jobs = await ScheduleAssert.UntilJobsAsync(App, scheduleId, 3);
        Assert.All(jobs.Take(jobs.Count - 2), j => Assert.Contains(j.Status, new[] { "canceled", "running", "pending" }));
        await Poll.UntilAsync(async () => (await GateAssert.ListJobsAsync(App, $"schedule_id={scheduleId}&status=running")).Count <= 1,
            "at most one of the schedule's jobs runs");
        GateTestFunctions.Open(latch);

        using var pause = await App.PutAsync($"/api/v1/schedules/{scheduleId}", (await ScheduleAssert.GetAsync(App, scheduleId)).GetRawText().Replace("\"enabled\":true", "\"enabled\":false", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.OK, pause.StatusCode);
    }

    [Fact]
    public async Task Trigger_StartsAJobNow_WithTheSchedulesParams_TheBodyOverThem()
    {
        var taskId = (await App.CreateTaskAsync("""{"command": "greet_user"}""")).GetProperty("id").GetString()!;
        var scheduleId = (await ScheduleAssert.CreateAsync(App, $$"""{"task_id": "{{taskId}}", "cron": "@yearly", "params": {"name": "Schedule"} }""")).GetProperty("id").GetString()!;

        using var plain = await App.PostAsync($"/api/v1/schedules/{scheduleId}/$trigger");
        var accepted = await Json.ReadAsync(plain);
        Assert.Equal(HttpStatusCode.Accepted, plain.StatusCode);
        var jobId = accepted.GetProperty("job_id").GetString()!;
        Assert.Equal($"/api/v1/jobs/{jobId}", plain.Headers.Location!.OriginalString);
        var done = await JobWaits.UntilAsync(App, jobId);
        Assert.Equal("Schedule", done.GetProperty("params").GetProperty("name").GetString());
        Assert.Equal(scheduleId, done.GetProperty("schedule_id").GetString());
        Assert.Equal(JsonValueKind.Null, done.GetProperty("scheduled_for").ValueKind);

        using var overridden = await App.PostAsync($"/api/v1/schedules/{scheduleId}/$trigger", """{"params": {"name": "Body"}, "delay_seconds": 1}""");
        var second = await Json.ReadAsync(overridden);
        Assert.Equal(HttpStatusCode.Accepted, overridden.StatusCode);
        var secondJob = await JobWaits.UntilAsync(App, second.GetProperty("job_id").GetString()!);
        Assert.Equal("Body", secondJob.GetProperty("params").GetProperty("name").GetString());
        Assert.NotEqual(JsonValueKind.Null, secondJob.GetProperty("scheduled_for").ValueKind);

        var schedule = await ScheduleAssert.GetAsync(App, scheduleId);
        Assert.Equal(0, schedule.GetProperty("fires").GetInt64()); // a trigger is not a fire of the calendar

        using var unknown = await App.PostAsync("/api/v1/schedules/01JD8Z5W8Y3M2C9K7Q4R6T1V0X/$trigger");
        await Json.AssertProblemAsync(unknown, 404, "not-found");
        using var malformed = await App.PostAsync("/api/v1/schedules/nope/$trigger");
        await Json.AssertProblemAsync(malformed, 400, "invalid-id");
        using var badBody = await App.PostAsync($"/api/v1/schedules/{scheduleId}/$trigger", """{"delay_seconds": 0}""");
        await Json.AssertProblemAsync(badBody, 400, "validation-failed", "delay_seconds");
        Assert.Equal(2, (await ScheduleAssert.JobsAsync(App, scheduleId)).Count); // the refused ones started nothing
    }
}
