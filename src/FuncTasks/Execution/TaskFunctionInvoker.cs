using System.Reflection;
using System.Runtime.ExceptionServices;
using System.Text.Json;
using FuncTasks.Api;
using FuncTasks.Artifacts;
using FuncTasks.Jobs;
using FuncTasks.TaskFunctions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FuncTasks.Execution;

/// <summary>Calls a task function: binds its arguments, injects its dependencies, awaits it, checks its result.</summary>
public sealed class TaskFunctionInvoker(IServiceScopeFactory scopes, ILoggerFactory loggers)
{
    /// <summary>Runs the function; its result as JSON (an object, or null).</summary>
    /// <exception cref="InvalidTaskResultException">The function returned something that is not a JSON object.</exception>
    public async Task<JsonElement?> InvokeAsync(TaskFunctionDescriptor function, JsonElement? parameters, JobServices job, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var arguments = TaskArguments.Bind(function, parameters);
        for (var i = 0; i < function.Parameters.Count; i++)
        {
            var plan = function.Parameters[i];
            if (plan.Argument is null)
            {
                arguments[i] = Inject(plan.ClrType, function, job, scope.ServiceProvider, cancellationToken);
            }
        }

        var method = function.Method;
        var target = function.Target ?? (method.IsStatic ? null : ActivatorUtilities.CreateInstance(scope.ServiceProvider, method.DeclaringType!));
        object? returned;
        try
        {
            returned = method.Invoke(target, arguments);
            returned = await MethodResults.AwaitAsync(returned, method.ReturnType);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is not null)
        {
            ExceptionDispatchInfo.Capture(ex.InnerException).Throw();
            throw;
        }

        if (returned is null)
        {
            return null;
        }

        var json = JsonSerializer.SerializeToElement(returned, returned.GetType(), ApiJson.Options);
        return json.ValueKind switch
        {
            JsonValueKind.Object => json,
            JsonValueKind.Null => null,
            _ => throw new InvalidTaskResultException(
                $"Task function '{function.Name}' returned {JsonFields.Describe(json.ValueKind)}; a task function returns a JSON object or nothing."),
        };
    }

    private object Inject(Type type, TaskFunctionDescriptor function, JobServices job, IServiceProvider services, CancellationToken cancellationToken) =>
        job.Provide(type, () => loggers.CreateLogger($"FuncTasks.TaskFunctions.{function.Name}"), cancellationToken) ?? services.GetRequiredService(type);

}

/// <summary>A task function returned a value that is not a JSON object.</summary>
public sealed class InvalidTaskResultException : Exception
{
    public InvalidTaskResultException()
    {
    }

    public InvalidTaskResultException(string message)
        : base(message)
    {
    }

    public InvalidTaskResultException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
