namespace FuncTasks.TaskFunctions;

/// <summary>
/// Registers a method as a task function: a task whose <c>command</c> is <paramref name="name"/> runs it.
/// Parameters of injectable types are injected; the others are arguments bound from the task's params.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false, Inherited = false)]
public sealed class TaskFunctionAttribute(string name) : Attribute
{
    public string Name { get; } = name;

    /// <summary>Shown by <c>GET /api/v1/tasks/$functions</c>.</summary>
    public string? Description { get; set; }
}
