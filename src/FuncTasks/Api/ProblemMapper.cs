using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace FuncTasks.Api;

/// <summary>
/// The one exception-to-problem-details path: refusals keep their status; anything else is a real
/// server fault, logged, and answered 500 without internals.
/// </summary>
public static class ProblemMapper
{
    public static IResult ToResult(Exception exception, HttpContext httpContext, ILogger logger)
    {
        var instance = httpContext.Request.Path.Value ?? string.Empty;
        switch (Unwrap(exception))
        {
            case RefusalException refusal:
                return (refusal.Headers ?? new Dictionary<string, string>()).Aggregate(
                    ApiResults.Problem(StatusOf(refusal.Kind), refusal.Slug, refusal.Title, refusal.Message, instance, refusal.Errors),
                    (result, header) => result.WithHeader(header.Key, header.Value));
            case OperationCanceledException when httpContext.RequestAborted.IsCancellationRequested:
                return ApiResults.Problem(499, "client-closed-request", "The client closed the request",
                    "The request was canceled by the client.", instance, null);
            case var fault:
                logger.UnhandledError(fault, httpContext.Request.Method, instance);
                return ApiResults.Problem(StatusCodes.Status500InternalServerError, "internal-error", "Internal error",
                    "An unexpected error occurred; it has been logged.", instance, null);
        }
    }

    /// <summary>The status each kind of refusal answers: decided here only.</summary>
    public static int StatusOf(RefusalKind kind) => kind switch
    {
        RefusalKind.Invalid => StatusCodes.Status400BadRequest,
        RefusalKind.Unauthenticated => StatusCodes.Status401Unauthorized,
        RefusalKind.Forbidden => StatusCodes.Status403Forbidden,
        RefusalKind.NotFound => StatusCodes.Status404NotFound,
        RefusalKind.Conflict => StatusCodes.Status409Conflict,
        RefusalKind.PreconditionFailed => StatusCodes.Status412PreconditionFailed,
        RefusalKind.TooLarge => StatusCodes.Status413PayloadTooLarge,
        RefusalKind.Unprocessable => StatusCodes.Status422UnprocessableEntity,
        RefusalKind.RangeNotSatisfiable => StatusCodes.Status416RangeNotSatisfiable,
        RefusalKind.Unavailable => StatusCodes.Status503ServiceUnavailable,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>What a trigger threw, without the reflection and task wrappers around it.</summary>
    private static Exception Unwrap(Exception exception) => exception switch
    {
        System.Reflection.TargetInvocationException { InnerException: { } inner } => Unwrap(inner),
        AggregateException { InnerExceptions.Count: 1 } aggregate => Unwrap(aggregate.InnerExceptions[0]),
        _ => exception,
    };
}
