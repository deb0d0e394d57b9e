using Microsoft.DurableTask;

namespace FuncTasks.Testing.Durable;

/// <summary>
/// Runs an <c>[OrchestrationTrigger]</c> function's body as the Durable worker extension does under the host: the
/// trigger has no input parameter, so the engine hands over the raw input as an object, and the function gets the
/// extension's own orchestration context (whose <c>GetInput&lt;T&gt;()</c> converts that object).
/// </summary>
public sealed class FunctionOrchestrator(string functionName, Func<TaskOrchestrationContext, Task<object?>> function) : ITaskOrchestrator
{
    public Type InputType => typeof(object);

    public Type OutputType => typeof(object);

    /// <summary>An orchestrator function that returns <typeparamref name="T"/>.</summary>
    public static FunctionOrchestrator For<T>(string functionName, Func<TaskOrchestrationContext, Task<T>> function) =>
        new(functionName, async context => await function(context).ConfigureAwait(true));

    public Task<object?> RunAsync(TaskOrchestrationContext context, object? input) =>
        function(IsolatedWorkerDurable.ForApp.ForFunction(context, functionName));
}
