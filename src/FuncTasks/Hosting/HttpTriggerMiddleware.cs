using System.Reflection;
using FuncTasks.Api;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Logging;

namespace FuncTasks.Hosting;

/// <summary>
/// Catches what an HTTP trigger throws and answers with problem details through <see cref="ProblemMapper"/>.
/// It runs inside the ASP.NET Core integration's middleware, which executes the IActionResult it sets.
/// </summary>
internal sealed class ProblemDetailsMiddleware(ILogger<ProblemDetailsMiddleware> logger) : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (Exception exception) when (context.GetHttpContext() is { } httpContext)
        {
            context.GetInvocationResult().Value = ProblemMapper.ToResult(Unwrap(exception), httpContext, logger);
        }
    }

    private static Exception Unwrap(Exception exception) => exception switch
    {
        TargetInvocationException { InnerException: { } inner } => Unwrap(inner),
        AggregateException { InnerExceptions.Count: 1 } aggregate => Unwrap(aggregate.InnerExceptions[0]),
        _ => exception,
    };
}
