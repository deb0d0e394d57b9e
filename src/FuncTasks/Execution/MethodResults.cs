namespace FuncTasks.Execution;

/// <summary>What a method called by reflection returned, awaited: the task function invoker and the test host's trigger calls use it.</summary>
internal static class MethodResults
{
    /// <param name="declared">
    /// The method's return type: only a declared <c>Task&lt;T&gt;</c> has a result. At run time the Task of an
    /// <c>async Task</c> method is a <c>Task&lt;VoidTaskResult&gt;</c>, and a method declared <c>Task</c> may
    /// hand back any <c>Task&lt;T&gt;</c>; neither is a result.
    /// </param>
    public static async Task<object?> AwaitAsync(object? returned, Type declared)
    {
        switch (returned)
        {
            case Task task:
                await task;
                return declared.IsGenericType && declared.GetGenericTypeDefinition() == typeof(Task<>)
                    ? declared.GetProperty(nameof(Task<object>.Result))!.GetValue(task)
                    : null;
            case ValueTask valueTask:
                await valueTask;
                return null;
            case not null when returned.GetType() is { IsGenericType: true } type && type.GetGenericTypeDefinition() == typeof(ValueTask<>):
                var asTask = (Task)type.GetMethod(nameof(ValueTask<object>.AsTask))!.Invoke(returned, null)!;
                return await AwaitAsync(asTask, typeof(Task<>).MakeGenericType(type.GetGenericArguments()));
            default:
                return returned;
        }
    }
}
