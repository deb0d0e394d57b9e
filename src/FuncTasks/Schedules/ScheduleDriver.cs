using Microsoft.DurableTask;

namespace FuncTasks.Schedules;

/// <summary>
/// The driver of one schedule: an eternal orchestration (instance id <c>schedule-{id}</c>). Each round asks
/// <see cref="ScheduleFirer"/> (in an activity) to fire what is due and when to wake next, then sleeps on a durable
/// timer, or, while the schedule is paused or has no occurrence left, only on the <see cref="ChangedEvent"/> that a
/// PUT, a DELETE or the sweep raises. Nothing polls while nothing is due. It continues as new every round, so its
/// history stays one round long, and it ends when the schedule is gone.
/// </summary>
public sealed class ScheduleDriver : TaskOrchestrator<string, string?>
{
    public const string Name = "ScheduleDriver";
    public const string TickActivity = "ScheduleTick";
    public const string ChangedEvent = "schedule-changed";
    public const string InstanceIdPrefix = "schedule-";

    public static string InstanceIdFor(string scheduleId) => InstanceIdPrefix + scheduleId;

    public override async Task<string?> RunAsync(TaskOrchestrationContext context, string input)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(input);
        var wake = await context.CallActivityAsync<ScheduleWake>(TickActivity, input);
        if (wake.Ended)
        {
            return null;
        }

        var changed = context.WaitForExternalEvent<string>(ChangedEvent);
        if (wake.At is not { } at)
        {
            await changed;
        }
        else if (at.UtcDateTime > context.CurrentUtcDateTime)
        {
            using var stopTimer = new CancellationTokenSource();
            var timer = context.CreateTimer(at.UtcDateTime, stopTimer.Token);
            if (await Task.WhenAny(timer, changed) != timer)
            {
                stopTimer.Cancel(); // a pending timer would keep the round from ending (see JobOrchestrator)
            }
        }

        // Events that arrived meanwhile are carried into the next round.
        context.ContinueAsNew(input, preserveUnprocessedEvents: true);
        return null;
    }
}
