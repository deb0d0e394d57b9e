using FuncTasks.Testing;
using FuncTasks.Tests.Gate;
using FuncTasks.Tests.Infrastructure;

namespace FuncTasks.Tests.Schedules;

/// <summary>Two instances of the app on one task hub fire a 1-second schedule for a minute: at most one job per occurrence, every fire
/// with its job, none missed (a short stall may collapse occurrences, as the contract allows).</summary>
[Collection(DurableHeavyTests.Name)]
public sealed class ScheduleScaleOutTests : IAsyncLifetime
{
    private TwoInstances apps = null!;

    private AppHost a => apps.A;

    private AppHost b => apps.B;

    public async Task InitializeAsync() => apps = await TwoInstances.StartAsync(_ => GateTestFunctions.Register, TimeSpan.FromSeconds(6));

    public async Task DisposeAsync() => await apps.DisposeAsync();

    [Fact]
    public async Task TwoInstances_AMinuteOfA1SecondSchedule_OneJobPerOccurrence_NoneMissing()
    {
        // The task hub's partitions move to B when it joins; a driver caught in that handover waits out the queue's
        // visibility timeout (6 s), and its occurrences then collapse into one catch-up fire. Fire once that is over.
        await Task.Delay(TimeSpan.FromSeconds(10));
        var taskId = (await a.CreateTaskAsync("""{"command": "greet_user"}""")).GetProperty("id").GetString()!;
        var scheduleId = (await ScheduleAssert.CreateAsync(a, $$"""{"task_id": "{{taskId}}", "cron": "* * * * * *", "overlap": "allow"}""")).GetProperty("id").GetString()!;
        await Task.Delay(TimeSpan.FromSeconds(60));
        await ScheduleAssert.ChangeAsync(b, scheduleId, """{"enabled": false}""");

        await Task.Delay(TimeSpan.FromSeconds(2)); // a fire already under way when the pause landed finishes first
        var schedule = await ScheduleAssert.GetAsync(a, scheduleId);
        var jobs = await ScheduleAssert.JobsAsync(b, scheduleId);
        var occurrences = jobs.Select(j => j.Json.GetProperty("scheduled_for").GetDateTimeOffset()).Order().ToList();
        Assert.Equal(occurrences.Count, occurrences.Distinct().Count()); // one job per occurrence
        Assert.Equal(0, schedule.GetProperty("missed_fires").GetInt64());
        Assert.Equal(schedule.GetProperty("fires").GetInt64(), jobs.Count); // every fire left its job: none lost

        // The contract lets occurrences that a stalled driver missed collapse into one fire; a partition moving between
        // the instances stalls a driver for up to the queue's visibility timeout (6 s). Longer or frequent stalls fail.
        var gaps = occurrences.Zip(occurrences.Skip(1), (x, y) => (y - x).TotalSeconds).Where(gap => gap != 1).ToList();
        Assert.True(gaps.Count <= 3 && gaps.All(gap => gap <= 8), $"occurrences without a job between the first and the last: gaps of {string.Join(", ", gaps)} s");
        Assert.InRange(occurrences.Count, 45, 62);
        await GateAssert.AllFinishedAsync(a, [.. jobs.Select(j => j.Id)], TimeSpan.FromSeconds(60));
    }
}
