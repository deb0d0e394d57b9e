using FuncTasks.Testing;
using FuncTasks.Tests.Gate;
using FuncTasks.Tests.Infrastructure;

namespace FuncTasks.Tests.Schedules;

/// <summary>Two instances of the app on one task hub fire a 1-second schedule for a minute: one job per occurrence, none missing.</summary>
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

        var jobs = await ScheduleAssert.JobsAsync(b, scheduleId);
        var occurrences = jobs.Select(j => j.Json.GetProperty("scheduled_for").GetDateTimeOffset()).Order().ToList();
        Assert.Equal(occurrences.Count, occurrences.Distinct().Count()); // one job per occurrence
        var gaps = occurrences.Zip(occurrences.Skip(1), (x, y) => (y - x).TotalSeconds).Where(gap => gap != 1).ToList();
        Assert.True(gaps.Count == 0, $"occurrences without a job between the first and the last: gaps of {string.Join(", ", gaps)} s");
        Assert.InRange(occurrences.Count, 55, 62);
        var schedule = await ScheduleAssert.GetAsync(a, scheduleId);
        Assert.Equal(0, schedule.GetProperty("missed_fires").GetInt64());
        await GateAssert.AllFinishedAsync(a, [.. jobs.Select(j => j.Id)], TimeSpan.FromSeconds(60));
    }
}
