using FuncTasks.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;

namespace FuncTasks.Maintenance;

public sealed record OrphanedTasksResponse(IReadOnlyList<Tasks.TaskDefinition> OrphanedTasks, int Count);

/// <summary>The orphan report and the sweep: on a timer (FuncTasksSweepSchedule, and once at start) or run by an operator.</summary>
public sealed class MaintenanceFunctions(OrphanSweeper sweeper)
{
    [Function("ListOrphanedTasks")]
    public async Task<IResult> Orphaned(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "v1/tasks/$orphaned")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        var orphans = await sweeper.FindOrphanedTasksAsync(cancellationToken);
        return ApiResults.Ok(new OrphanedTasksResponse(orphans, orphans.Count));
    }

    /// <summary>
    /// The timer sweep. Operators run it on demand through the host's admin API:
    /// <c>POST /admin/functions/Sweep</c> with body <c>{}</c> and the master key.
    /// </summary>
    [Function("Sweep")]
    public Task Sweep(
        [TimerTrigger("%FuncTasksSweepSchedule%", RunOnStartup = true)] TimerInfo timer,
        [DurableClient] DurableTaskClient client,
        FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return sweeper.SweepAsync(client, context.CancellationToken);
    }
}
