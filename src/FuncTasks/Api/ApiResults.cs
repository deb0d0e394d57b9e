using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace FuncTasks.Api;

/// <summary>
/// Results written with the app's own JSON options. They implement IActionResult because that is
/// what the Functions ASP.NET Core integration executes; they need no MVC services.
/// </summary>
public class JsonBodyResult(int status, object? body) : IActionResult
{
    private readonly List<KeyValuePair<string, string>> headers = [];

    public int Status { get; } = status;
    public object? Body { get; } = body;
    protected virtual string ContentType => "application/json; charset=utf-8";

    public JsonBodyResult WithHeader(string name, string value)
    {
        headers.Add(new(name, value));
        return this;
    }

    public async Task ExecuteResultAsync(ActionContext context)
    {
        var response = context.HttpContext.Response;
        response.StatusCode = Status;
        foreach (var (name, value) in headers)
        {
            response.Headers[name] = value;
        }

        if (Body is null)
        {
            return;
        }

        response.ContentType = ContentType;
        await JsonSerializer.SerializeAsync(response.Body, Body, Body.GetType(), ApiJson.Options, context.HttpContext.RequestAborted)
            .ConfigureAwait(false);
    }
}

/// <summary>RFC 9457 problem details.</summary>
public sealed class ProblemResult(int status, string slug, string title, string detail, string instance,
    IReadOnlyDictionary<string, string[]>? errors)
    : JsonBodyResult(status, new ProblemDocument($"urn:functasks:error:{slug}", title, status, detail, instance, errors))
{
    protected override string ContentType => "application/problem+json; charset=utf-8";
}

public sealed record ProblemDocument(string Type, string Title, int Status, string Detail, string Instance,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    IReadOnlyDictionary<string, string[]>? Errors);

public static class ApiResults
{
    public static JsonBodyResult Ok(object body) => new(StatusCodes.Status200OK, body);

    public static JsonBodyResult Created(string location, object body) =>
        new JsonBodyResult(StatusCodes.Status201Created, body).WithHeader("Location", location);

    public static JsonBodyResult Accepted(object body) => new(StatusCodes.Status202Accepted, body);

    public static JsonBodyResult NoContent() => new(StatusCodes.Status204NoContent, null);
}
