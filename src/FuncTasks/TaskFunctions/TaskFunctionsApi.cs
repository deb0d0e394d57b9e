using FuncTasks.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace FuncTasks.TaskFunctions;

public sealed record TaskFunctionInfo(string Name, string? Description, IReadOnlyList<TaskParameterInfo> Parameters, IReadOnlyList<string> Injected);

public sealed record TaskParameterInfo(string Name, string Type, bool Required, object? Default);

/// <summary><c>GET /api/v1/tasks/$functions</c>: every registered task function and what it takes.</summary>
public sealed class TaskFunctionsApi(TaskFunctionRegistry registry)
{
    [Function("ListTaskFunctions")]
    public IResult List(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "v1/tasks/$functions")] HttpRequest request)
    {
        var functions = registry.All.Select(f => new TaskFunctionInfo(
            f.Name,
            f.Description,
            [.. f.Arguments.Select(a => new TaskParameterInfo(a.Name, a.Type, a.Required, a.Required ? null : a.DefaultValue))],
            [.. f.InjectedTypes.Select(FriendlyName)])).ToList();
        // The contract's list shape; every function fits on one page.
        return ApiResults.Ok(new ListPage<TaskFunctionInfo>(functions, null));
    }

    private static string FriendlyName(Type type) => type.IsGenericType
        ? $"{type.Name[..type.Name.IndexOf('`', StringComparison.Ordinal)]}<{string.Join(", ", type.GetGenericArguments().Select(FriendlyName))}>"
        : type.Name;
}
