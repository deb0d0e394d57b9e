using FuncTasks.Api;
using FuncTasks.Security;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Logging;

namespace FuncTasks.Hosting;

/// <summary>
/// Around every HTTP trigger: the API-key check, then the function, and whatever it throws answered with
/// problem details through <see cref="ProblemMapper"/>. It runs inside the ASP.NET Core integration's
/// middleware, which executes the IActionResult it sets. The in-process test host does the same two steps.
/// </summary>
internal sealed class HttpTriggerMiddleware(ApiKeyCheck apiKeys, ILogger<HttpTriggerMiddleware> logger) : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        if (context.GetHttpContext() is not { } httpContext)
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        try
        {
            apiKeys.Ensure(httpContext.Request, context.FunctionDefinition.Name);
            await next(context).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            context.GetInvocationResult().Value = ProblemMapper.ToResult(exception, httpContext, logger);
        }
    }
}
