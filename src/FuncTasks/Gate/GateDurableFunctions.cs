using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;

namespace FuncTasks.Gate;

/// <summary>The Functions entry points of the concurrency gate entity and its wake-up orchestration.</summary>
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
}
