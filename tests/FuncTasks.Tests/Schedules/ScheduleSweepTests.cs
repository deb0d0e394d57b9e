using FuncTasks.Execution;
using FuncTasks.Maintenance;
using FuncTasks.Schedules;
using FuncTasks.Tests.Gate;
using FuncTasks.Tests.Infrastructure;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace FuncTasks.Tests.Schedules;

/// <summary>The sweep's part for schedules: a driver that died or was purged is started again, an overdue schedule is reported, the driver of a deleted schedule ends and goes.</summary>
public sealed class ScheduleSweepTests() : AppTests(configureServices: GateTestFunctions.Register, withDurable: true)
{
    private async Task<SweepSummary> SweepAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        return await App.Services.GetRequiredService<OrphanSweeper>().SweepAsync(App.DurableClient, timeout.Token);
    }

    private async Task<string> ScheduleAsync(string cron, string extra = "")
    {
        var taskId = (await App.CreateTaskAsync("""{"command": "greet_user"}""")).GetProperty("id").GetString()!;
        return (await ScheduleAssert.CreateAsync(App, $$"""{"task_id": "{{taskId}}", "cron": "{{cron}}"{{extra}} }""")).GetProperty("id").GetString()!;
    }

    private async Task KillDriverAsync(string scheduleId)
    {
        var driver = ScheduleDriver.InstanceIdFor(scheduleId);
        await Poll.UntilAsync(async () => await App.DurableClient.GetInstanceAsync(driver) is not null, "the driver started");
        await App.DurableClient.TerminateInstanceAsync(driver);
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await App.DurableClient.WaitForInstanceCompletionAsync(driver, wait.Token);
        await App.DurableClient.PurgeInstanceAsync(driver);
    }

    [Fact]
    public async Task ADriverThatWasTerminatedAndPurged_IsStartedAgain_AndTheScheduleFiresAgain()
    {
        var scheduleId = await ScheduleAsync("* * * * * *");
        await ScheduleAssert.UntilJobsAsync(App, scheduleId, 1);
        await KillDriverAsync(scheduleId);
        var atKill = (await ScheduleAssert.JobsAsync(App, scheduleId)).Count;
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.InRange((await ScheduleAssert.JobsAsync(App, scheduleId)).Count, atKill, atKill + 1); // nothing drives it

        var sweep = await SweepAsync();

        Assert.Contains(scheduleId, sweep.Schedules.Healed);
        await ScheduleAssert.UntilJobsAsync(App, scheduleId, atKill + 3);
        Assert.DoesNotContain(scheduleId, (await SweepAsync()).Schedules.Healed); // healthy now: left alone
    }

    [Fact]
    public async Task AScheduleWhoseOccurrenceWentUnfired_IsReportedOverdue_AndHealed()
    {
        var scheduleId = await ScheduleAsync("0 * * * * *", ", \"catch_up_seconds\": 0");
        await KillDriverAsync(scheduleId);
        // Its calendar counts from ten minutes ago: nine occurrences went by with nothing to fire them.
        var store = App.Services.GetRequiredService<ScheduleStore>();
        var stored = (await store.GetAsync(scheduleId, CancellationToken.None))!;
        await store.ReplaceAsync(stored.Value with { UpdatedAt = DateTimeOffset.UtcNow.AddMinutes(-10) }, stored.Version, CancellationToken.None);

        var sweep = await SweepAsync();

        Assert.Contains(scheduleId, sweep.Schedules.Overdue);
        Assert.Contains(scheduleId, sweep.Schedules.Healed);
        var caughtUp = await ScheduleAssert.UntilAsync(App, scheduleId, s => s.GetProperty("missed_fires").GetInt64() >= 9, "counted its missed occurrences");
        // All but perhaps the newest (when the sweep ran within 5 s of a minute) were older than the window: not fired.
        Assert.InRange((await ScheduleAssert.JobsAsync(App, scheduleId)).Count, 0, 1);
        Assert.DoesNotContain(scheduleId, (await SweepAsync()).Schedules.Overdue);
        Assert.Equal(5, caughtUp.GetProperty("next_runs").GetArrayLength());
    }

    [Fact]
    public async Task AScheduleWhoseTaskIsGone_IsPaused_SayingWhy()
    {
        var taskId = (await App.CreateTaskAsync("""{"command": "greet_user"}""")).GetProperty("id").GetString()!;
        var scheduleId = (await ScheduleAssert.CreateAsync(App, $$"""{"task_id": "{{taskId}}", "cron": "@yearly"}""")).GetProperty("id").GetString()!;
        await App.Storage.Tasks.DeleteEntityAsync("task", taskId); // behind the API's back, which would delete the schedule

        var sweep = await SweepAsync();

        Assert.Equal([scheduleId], sweep.Schedules.Paused);
        var paused = await ScheduleAssert.GetAsync(App, scheduleId);
        Assert.False(paused.GetProperty("enabled").GetBoolean());
        Assert.Contains(taskId, paused.GetProperty("disabled_reason").GetString(), StringComparison.Ordinal);
        Assert.Empty((await SweepAsync()).Schedules.Paused); // once
    }

    [Fact]
    public async Task TheDriverOfADeletedSchedule_IsEnded_ThenPurged()
    {
        var scheduleId = await ScheduleAsync("@yearly");
        var driver = ScheduleDriver.InstanceIdFor(scheduleId);
        await Poll.UntilAsync(async () => (await App.DurableClient.GetInstanceAsync(driver))?.RuntimeStatus == OrchestrationRuntimeStatus.Running, "the driver runs");
        // Deleted as a task's deletion deletes it: the rows go, nobody wakes the driver, which sleeps until New Year.
        // (Under load its first round may not have read the schedule yet: then it ends by itself, and the sweep only purges it.)
        await App.Services.GetRequiredService<ScheduleStore>().DeleteAsync(scheduleId, Azure.ETag.All, CancellationToken.None);

        var first = await SweepAsync();
        var ended = await Poll.UntilAsync(() => App.DurableClient.GetInstanceAsync(driver), Orchestrations.HasEnded,
            last => $"Timed out waiting for the driver to end; it is {last?.RuntimeStatus}.");
        Assert.True(ended is null or { RuntimeStatus: OrchestrationRuntimeStatus.Completed }, $"The driver ended {ended?.RuntimeStatus}.");
        var second = await SweepAsync();

        Assert.Equal(1, first.Schedules.DriversPurged + second.Schedules.DriversPurged);
        Assert.Null(await App.DurableClient.GetInstanceAsync(driver));
        Assert.Equal(0, (await SweepAsync()).Schedules.DriversPurged);
    }
}
