using FuncTasks.Execution;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace FuncTasks.Gate;

/// <summary>The Functions entry points of the concurrency gate entity, its wake-up orchestration and that one's activity.</summary>
public static class GateDurableFunctions
{
    [Function(ConcurrencyGate.Name)]
    public static Task Gate([EntityTrigger] TaskEntityDispatcher dispatcher)
    {
        ArgumentNullException.ThrowIfNull(dispatcher);
        return dispatcher.DispatchAsync<ConcurrencyGate>();
    }

    [Function(PermitWaker.Name)]
    public static Task<int> Wake([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new PermitWaker().RunAsync(context, context.GetInput<string[]>()!);
    }

    [Function(PermitWaker.FindEndedJobsActivity)]
    public static Task<string[]> FindEndedJobs([ActivityTrigger] string[] jobIds, [DurableClient] DurableTaskClient client, FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Orchestrations.FindEndedAsync(client, jobIds, context.CancellationToken);
    }
}
