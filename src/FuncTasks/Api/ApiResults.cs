using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace FuncTasks.Api;

/// <summary>
/// The framework's results (<see cref="TypedResults"/>), which the Functions ASP.NET Core integration executes, with
/// the API's JSON options passed explicitly: without them a result serializes with the host's defaults, not snake_case.
/// </summary>
public static class ApiResults
{
    public const string ProblemContentType = "application/problem+json; charset=utf-8";

    public static IResult Ok<T>(T body) => Json(StatusCodes.Status200OK, body);

    public static IResult Created<T>(string location, T body) => Json(StatusCodes.Status201Created, body).WithHeader("Location", location);

    public static IResult Accepted<T>(T body) => Json(StatusCodes.Status202Accepted, body);

    public static IResult NoContent() => TypedResults.NoContent();

    public static IResult Json<T>(int status, T body) => TypedResults.Json(body, ApiJson.Options, contentType: null, statusCode: status);

    /// <summary>
    /// RFC 9457 problem details: the framework's <see cref="ProblemDetails"/> written as JSON rather than through
    /// <c>TypedResults.Problem</c>, which would take the host's JSON options and hand the document to any registered
    /// <c>IProblemDetailsService</c> (that one adds fields such as <c>traceId</c>).
    /// </summary>
    public static IResult Problem(int status, string slug, string title, string detail, string instance, IReadOnlyDictionary<string, string[]>? errors)
    {
        var problem = errors is null ? new ProblemDetails() : new HttpValidationProblemDetails(errors);
        problem.Type = $"urn:functasks:error:{slug}";
        problem.Title = title;
        problem.Status = status;
        problem.Detail = detail;
        problem.Instance = instance;
        return TypedResults.Json(problem, ApiJson.Options, ProblemContentType, status);
    }

    /// <summary>The result with a response header set before it runs (the framework's results carry Location at most).</summary>
    public static IResult WithHeader(this IResult result, string name, string value) => new HeaderedResult(result, name, value);

    private sealed class HeaderedResult(IResult inner, string name, string value) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            ArgumentNullException.ThrowIfNull(httpContext);
            httpContext.Response.Headers[name] = value;
            return inner.ExecuteAsync(httpContext);
        }
    }
}
