using System.Text.Json;

namespace FuncTasks.Tasks;

/// <summary>Which fields belong to which kind of task: params to function tasks, env to shell tasks. Decided here for tasks and for $execute.</summary>
public static class TaskKindFields
{
    /// <summary>Adds an error for each field given that the kind of task does not take.</summary>
    public static void Check(TaskType type, JsonElement? parameters, IReadOnlyDictionary<string, string>? env, IDictionary<string, string[]> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (type == TaskType.Shell && parameters is { ValueKind: JsonValueKind.Object } p && p.EnumerateObject().Any())
        {
            errors["params"] = ["applies to function tasks only; a shell task takes env"];
        }

        if (type == TaskType.Function && env is { Count: > 0 })
        {
            errors["env"] = ["applies to shell tasks only; a function task takes params"];
        }
    }
}
