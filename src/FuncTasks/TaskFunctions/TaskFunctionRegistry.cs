namespace FuncTasks.TaskFunctions;

/// <summary>The task functions this app can run, by name.</summary>
public sealed class TaskFunctionRegistry
{
    private readonly Dictionary<string, object> functions = new(StringComparer.Ordinal);

    public bool Contains(string name) => functions.ContainsKey(name);
}
