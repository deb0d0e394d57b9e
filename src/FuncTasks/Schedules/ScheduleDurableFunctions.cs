using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace FuncTasks.Schedules;

/// <summary>The Functions entry points of a schedule's driver and of the activities schedules use; the work is in <see cref="ScheduleFirer"/>.</summary>
public sealed class ScheduleDurableFunctions(ScheduleFirer firer)
{
    public const string JobEndedActivity = "ScheduledJobEnded";

    [Function(ScheduleDriver.Name)]
    public static Task<string?> Drive([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new ScheduleDriver().RunAsync(context, context.GetInput<string>()!);
    }

    [Function(ScheduleDriver.TickActivity)]
    public Task<ScheduleWake> Tick([ActivityTrigger] string scheduleId, [DurableClient] DurableTaskClient client, FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return firer.TickAsync(scheduleId, client, context.CancellationToken);
    }

    [Function(JobEndedActivity)]
    public Task JobEnded([ActivityTrigger] ScheduledJobEnded ended, [DurableClient] DurableTaskClient client, FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return firer.JobEndedAsync(ended, client, context.CancellationToken);
    }
}
