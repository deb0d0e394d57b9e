using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace FuncTasks.Api;

/// <summary>
/// The one exception-to-problem-details path: refusals keep their status; anything else is a real
/// server fault, logged, and answered 500 without internals.
/// </summary>
public static partial class ProblemMapper
{
    public static ProblemResult ToResult(Exception exception, HttpContext httpContext, ILogger logger)
    {
        var instance = httpContext.Request.Path.Value ?? string.Empty;
        switch (exception)
        {
            case ApiProblemException problem:
                return new ProblemResult(problem.Status, problem.Slug, problem.Title, problem.Message, instance, problem.Errors);
            case OperationCanceledException when httpContext.RequestAborted.IsCancellationRequested:
                return new ProblemResult(499, "client-closed-request", "The client closed the request",
                    "The request was canceled by the client.", instance, null);
            default:
                LogUnhandled(logger, exception, httpContext.Request.Method, instance);
                return new ProblemResult(StatusCodes.Status500InternalServerError, "internal-error", "Internal error",
                    "An unexpected error occurred; it has been logged.", instance, null);
        }
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Error, Message = "Unhandled error in {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method, string path);
}
