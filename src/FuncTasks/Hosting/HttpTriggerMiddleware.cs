using FuncTasks.Api;
using FuncTasks.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Logging;

namespace FuncTasks.Hosting;

/// <summary>
/// What runs around every HTTP trigger: the API-key check, then the function, and whatever either throws answered
/// with problem details through <see cref="ProblemMapper"/>. The worker runs it from <see cref="HttpTriggerMiddleware"/>;
/// the in-process test host runs this same class around the functions it invokes.
/// </summary>
public sealed class HttpTriggerPipeline(ApiKeyCheck apiKeys, ILogger<HttpTriggerPipeline> logger)
{
    /// <summary>Runs <paramref name="function"/> and returns what to answer: its result, or the problem it threw.</summary>
    public async Task<object?> InvokeAsync(HttpContext httpContext, string functionName, Func<Task<object?>> function)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        ArgumentNullException.ThrowIfNull(function);
        try
        {
            apiKeys.Ensure(httpContext.Request, functionName);
            return await function();
        }
        catch (Exception exception)
        {
            return ProblemMapper.ToResult(exception, httpContext, logger);
        }
    }
}

/// <summary>
/// <see cref="HttpTriggerPipeline"/> in the worker. It runs inside the ASP.NET Core integration's middleware, which
/// executes the result it leaves as the invocation result.
/// </summary>
internal sealed class HttpTriggerMiddleware(ApiKeyCheck apiKeys, ILogger<HttpTriggerPipeline> logger) : IFunctionsWorkerMiddleware
{
    private readonly HttpTriggerPipeline pipeline = new(apiKeys, logger);

    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        if (context.GetHttpContext() is not { } httpContext)
        {
            await next(context);
            return;
        }

        var answer = await pipeline.InvokeAsync(httpContext, context.FunctionDefinition.Name, async () =>
        {
            await next(context);
            return context.GetInvocationResult().Value;
        });
        context.GetInvocationResult().Value = answer;
    }
}
