using System.Net;
using System.Text.Json;
using FuncTasks.Schedules;
using FuncTasks.Testing;
using FuncTasks.Tests.Gate;
using FuncTasks.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace FuncTasks.Tests.Schedules;

/// <summary>
/// Schedules firing on the durable engine against Azurite: one job per occurrence with <c>schedule_id</c> and
/// <c>scheduled_for</c>, pause, resume without catch-up, delete, a task disabled or gone, and redelivered fires.
/// </summary>
public sealed class ScheduleFiringTests() : AppTests(configureServices: GateTestFunctions.Register, withDurable: true)
{
    [Fact]
    public async Task EverySecond_StartsOneJobPerOccurrence_WithScheduleIdAndScheduledFor()
    {
        var taskId = (await App.CreateTaskAsync("""{"command": "greet_user"}""")).GetProperty("id").GetString()!;
        var created = await ScheduleAssert.CreateAsync(App, $$"""{"task_id": "{{taskId}}", "cron": "* * * * * *", "params": {"name": "Cron"}, "overlap": "allow" }""");
        var scheduleId = created.GetProperty("id").GetString()!;

        // overlap allow: on a loaded machine a job can outlast its second, and the default (skip) would make the last
        // fire a skip; the overlap policies have tests of their own (ScheduleOverlapTests).
        var jobs = await ScheduleAssert.UntilJobsAsync(App, scheduleId, 4);
        var occurrences = jobs.Select(j => j.Json.GetProperty("scheduled_for").GetDateTimeOffset()).ToList();
        Assert.All(occurrences, at => Assert.Equal(0, at.Millisecond));
        Assert.Equal(occurrences.Count, occurrences.Distinct().Count());
        Assert.All(jobs, j => Assert.Equal(scheduleId, j.Json.GetProperty("schedule_id").GetString()));
        // Never before its occurrence; on time within a second is the benchmark's to show (a busy test machine is slower).
        Assert.All(jobs, j => Assert.InRange((j.SubmittedAt - j.Json.GetProperty("scheduled_for").GetDateTimeOffset()).TotalSeconds, 0, 5));
        // On the calendar, in order. (A stall of the machine collapses occurrences into one catch-up fire, by the contract;
        // "none missing" is ScheduleScaleOutTests' to hold, on two instances.)
        Assert.All(occurrences.Zip(occurrences.Skip(1), (a, b) => (b - a).TotalSeconds), gap => Assert.True(gap >= 1 && gap % 1 == 0, $"gap {gap} s"));

        var done = await JobWaits.UntilAsync(App, jobs[0].Id);
        Assert.Equal("completed", done.GetProperty("status").GetString());
        Assert.Equal("Cron", done.GetProperty("params").GetProperty("name").GetString());

        var schedule = await ScheduleAssert.GetAsync(App, scheduleId);
        Assert.True(schedule.GetProperty("fires").GetInt64() >= 4);
        Assert.Equal(0, schedule.GetProperty("missed_fires").GetInt64());
        var lastFire = schedule.GetProperty("last_fire");
        Assert.Equal("started", lastFire.GetProperty("outcome").GetString());
        Assert.StartsWith("01", lastFire.GetProperty("job_id").GetString(), StringComparison.Ordinal);
        Assert.Equal(5, schedule.GetProperty("next_runs").GetArrayLength());
    }

    [Fact]
    public async Task Pause_StopsFires_Resume_DoesNotCatchUp_Delete_StopsThemAtOnce()
    {
        var taskId = (await App.CreateTaskAsync("""{"command": "greet_user"}""")).GetProperty("id").GetString()!;
        var scheduleId = (await ScheduleAssert.CreateAsync(App, $$"""{"task_id": "{{taskId}}", "cron": "* * * * * *"}""")).GetProperty("id").GetString()!;
        await ScheduleAssert.UntilJobsAsync(App, scheduleId, 2);

        var paused = await ScheduleAssert.ChangeAsync(App, scheduleId, """{"enabled": false}""");
        Assert.Equal(0, paused.GetProperty("next_runs").GetArrayLength());
        var pausedAt = DateTimeOffset.UtcNow;
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        var beforeResume = (await ScheduleAssert.JobsAsync(App, scheduleId)).Count;
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.Equal(beforeResume, (await ScheduleAssert.JobsAsync(App, scheduleId)).Count); // nothing while paused

        var resumed = await ScheduleAssert.ChangeAsync(App, scheduleId, """{"enabled": true}""");
        var resumedAt = resumed.GetProperty("updated_at").GetDateTimeOffset();
        var after = await ScheduleAssert.UntilJobsAsync(App, scheduleId, beforeResume + 2);
        var inPause = after.Where(j => j.Json.GetProperty("scheduled_for").GetDateTimeOffset() is var at && at > pausedAt.AddSeconds(1.5) && at <= resumedAt).ToList();
        Assert.Empty(inPause); // the paused time is not caught up

        using (var delete = await App.DeleteAsync($"/api/v1/schedules/{scheduleId}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        }

        var atDelete = (await ScheduleAssert.JobsAsync(App, scheduleId)).Count;
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.InRange((await ScheduleAssert.JobsAsync(App, scheduleId)).Count, atDelete, atDelete + 1); // at most a fire in flight
        using var gone = await App.GetAsync($"/api/v1/schedules/{scheduleId}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        await Poll.UntilAsync(async () => (await App.DurableClient.GetInstanceAsync(ScheduleDriver.InstanceIdFor(scheduleId)))?.RuntimeStatus
            == Microsoft.DurableTask.Client.OrchestrationRuntimeStatus.Completed, "the driver of the deleted schedule ended");
    }

    [Fact]
    public async Task TaskDisabled_SkipsFires_TaskGone_PausesTheSchedule()
    {
        var task = await App.CreateTaskAsync("""{"command": "greet_user"}""");
        var taskId = task.GetProperty("id").GetString()!;
        var scheduleId = (await ScheduleAssert.CreateAsync(App, $$"""{"task_id": "{{taskId}}", "cron": "* * * * * *"}""")).GetProperty("id").GetString()!;
        using (var disable = await App.PutAsync($"/api/v1/tasks/{taskId}", """{"command": "greet_user", "enabled": false}"""))
        {
            Assert.Equal(HttpStatusCode.OK, disable.StatusCode);
        }

        var skipped = await ScheduleAssert.UntilAsync(App, scheduleId,
            s => s.GetProperty("last_fire") is { ValueKind: JsonValueKind.Object } fire && fire.GetProperty("outcome").GetString() == "skipped_task_disabled",
            "skipped a fire for its disabled task");
        Assert.Equal(JsonValueKind.Null, skipped.GetProperty("last_fire").GetProperty("job_id").ValueKind);

        // The task row goes behind the API's back (the API would delete its schedules too): the next fire pauses the schedule.
        await App.Storage.Tasks.DeleteEntityAsync("task", taskId);
        var paused = await ScheduleAssert.UntilAsync(App, scheduleId, s => !s.GetProperty("enabled").GetBoolean(), "paused itself");
        Assert.Contains(taskId, paused.GetProperty("disabled_reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, paused.GetProperty("next_runs").GetArrayLength());
    }

    [Fact]
    public async Task DeletingTheTask_DeletesItsSchedules()
    {
        var taskId = (await App.CreateTaskAsync("""{"command": "greet_user"}""")).GetProperty("id").GetString()!;
        var first = (await ScheduleAssert.CreateAsync(App, $$"""{"task_id": "{{taskId}}", "cron": "@daily"}""")).GetProperty("id").GetString()!;
        var second = (await ScheduleAssert.CreateAsync(App, $$"""{"task_id": "{{taskId}}", "cron": "0 9 * * MON"}""")).GetProperty("id").GetString()!;

        using (var delete = await App.DeleteAsync($"/api/v1/tasks/{taskId}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        }

        foreach (var id in new[] { first, second })
        {
            using var gone = await App.GetAsync($"/api/v1/schedules/{id}");
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        }
    }

    [Fact]
    public async Task AFireDeliveredManyTimesAtOnce_StartsOneJob()
    {
        // The driver's activity can run again for the same occurrence (redelivery): eight at once here.
        var taskId = (await App.CreateTaskAsync("""{"command": "greet_user"}""")).GetProperty("id").GetString()!;
        var scheduleId = (await ScheduleAssert.CreateAsync(App, $$"""{"task_id": "{{taskId}}", "cron": "@yearly"}""")).GetProperty("id").GetString()!;
        var store = App.Services.GetRequiredService<ScheduleStore>();
        var stored = (await store.GetAsync(scheduleId, CancellationToken.None))!;
        // Put the calendar back so this year's occurrence is due now, within the catch-up window.
        var due = DateTimeOffset.UtcNow.AddSeconds(-1);
        var rewound = stored.Value with { Spec = stored.Value.Spec with { Cron = $"{due.Second} {due.Minute} {due.Hour} {due.Day} {due.Month} *" }, UpdatedAt = due.AddSeconds(-2) };
        await store.ReplaceAsync(rewound, stored.Version, CancellationToken.None);

        var firer = App.Services.GetRequiredService<ScheduleFirer>();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => firer.TickAsync(scheduleId, App.DurableClient, CancellationToken.None)));

        var jobs = await ScheduleAssert.JobsAsync(App, scheduleId);
        var job = Assert.Single(jobs);
        Assert.Equal(ScheduleFirer.JobIdFor(scheduleId, new DateTimeOffset(due.Year, due.Month, due.Day, due.Hour, due.Minute, due.Second, TimeSpan.Zero)), job.Id);
        var schedule = await ScheduleAssert.GetAsync(App, scheduleId);
        Assert.Equal(1, schedule.GetProperty("fires").GetInt64());
        Assert.Equal("completed", (await JobWaits.UntilAsync(App, job.Id)).GetProperty("status").GetString());
    }
}
