using FuncTasks.Testing;
using FuncTasks.Tests.Gate;
using FuncTasks.Tests.Infrastructure;

namespace FuncTasks.Tests.Schedules;

/// <summary>
/// The app is down past occurrences of a 1-second schedule and comes back: those within <c>catch_up_seconds</c>
/// collapse into one fire, older ones are counted in <c>missed_fires</c>; never a job per missed occurrence.
/// </summary>
[Collection(DurableHeavyTests.Name)]
public sealed class ScheduleCatchUpTests : AppTests
{
    protected override FuncTasksTestAppOptions Options(string connectionString) => new()
    {
        StorageConnectionString = connectionString,
        WithDurable = true,
        ConfigureServices = GateTestFunctions.Register,
        ControlQueueVisibilityTimeout = TimeSpan.FromSeconds(6),
        WorkItemQueueVisibilityTimeout = TimeSpan.FromSeconds(8),
    };

    [Theory]
    [InlineData(300)]
    [InlineData(0)]
    public async Task DownPastSeveralOccurrences_FiresOnceWithinTheWindow_CountsOlderOnesMissed(int catchUpSeconds)
    {
        var taskId = (await App.CreateTaskAsync("""{"command": "greet_user"}""")).GetProperty("id").GetString()!;
        var scheduleId = (await ScheduleAssert.CreateAsync(App,
            $$"""{"task_id": "{{taskId}}", "cron": "* * * * * *", "catch_up_seconds": {{catchUpSeconds}} }""")).GetProperty("id").GetString()!;
        await ScheduleAssert.UntilJobsAsync(App, scheduleId, 2);

        var durable = App.App.Durable!;
        await durable.StopWorkerAsync(); // the app dies
        var stoppedAt = DateTimeOffset.UtcNow;
        var beforeDown = await ScheduleAssert.JobsAsync(App, scheduleId);
        await Task.Delay(TimeSpan.FromSeconds(10));
        await durable.StartWorkerAsync();
        var restartedAt = DateTimeOffset.UtcNow;

        var jobs = await ScheduleAssert.UntilJobsAsync(App, scheduleId, beforeDown.Count + 3, TimeSpan.FromSeconds(60));
        var occurrences = jobs.Select(j => j.Json.GetProperty("scheduled_for").GetDateTimeOffset()).ToList();
        Assert.Equal(occurrences.Count, occurrences.Distinct().Count());
        // While it was down nothing fired; the ~10 occurrences of the outage are never a job each.
        var duringOutage = occurrences.Count(at => at > stoppedAt.AddSeconds(1) && at < restartedAt);
        Assert.True(duringOutage <= 1, $"{duringOutage} jobs for occurrences while the app was down: {string.Join(", ", occurrences)}");

        var schedule = await ScheduleAssert.GetAsync(App, scheduleId);
        Assert.True(schedule.GetProperty("fires").GetInt64() >= jobs.Count, $"fires {schedule.GetProperty("fires")} < {jobs.Count} jobs");
        var missed = schedule.GetProperty("missed_fires").GetInt64();
        if (catchUpSeconds == 300)
        {
            Assert.Equal(0, missed); // they collapsed into one fire
        }
        else
        {
            Assert.InRange(missed, 3, 20); // older than the 5 s an on-time fire may take: missed
        }
    }
}
