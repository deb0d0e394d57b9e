using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace FuncTasks.Hosting.OpenApi;

/// <summary>
/// <c>GET /api/openapi.json</c>, the hand-written OpenAPI document of the v1 API, and <c>GET /api/docs</c>,
/// a self-contained page that renders it. Both are anonymous and served from embedded resources.
/// </summary>
public static class OpenApiFunctions
{
    internal const string DocumentResource = "FuncTasks.OpenApi.openapi.json";
    internal const string PageResource = "FuncTasks.OpenApi.docs.html";

    // The page runs only its own inline script and talks only to this app; nothing is loaded from elsewhere.
    private const string PagePolicy =
        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static readonly Lazy<byte[]> DocumentBytes = new(() => ReadResource(DocumentResource));
    private static readonly Lazy<byte[]> PageBytes = new(() => ReadResource(PageResource));

    [Function("OpenApiDocument")]
    public static IActionResult Document(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "openapi.json")] HttpRequest request) =>
        new RawContentResult(DocumentBytes.Value, "application/json; charset=utf-8");

    [Function("ApiDocs")]
    public static IActionResult Docs(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "docs")] HttpRequest request) =>
        new RawContentResult(PageBytes.Value, "text/html; charset=utf-8").WithHeader("Content-Security-Policy", PagePolicy);

    internal static byte[] ReadResource(string name)
    {
        using var stream = typeof(OpenApiFunctions).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The embedded resource '{name}' is missing from the build.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}

/// <summary>Bytes as they are, with their content type (a document or a page, not an API value).</summary>
public sealed class RawContentResult(byte[] content, string contentType) : IActionResult
{
    private readonly List<KeyValuePair<string, string>> headers = [];

    public RawContentResult WithHeader(string name, string value)
    {
        headers.Add(new(name, value));
        return this;
    }

    public async Task ExecuteResultAsync(ActionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var response = context.HttpContext.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = contentType;
        response.ContentLength = content.Length;
        response.Headers.CacheControl = "no-cache";
        response.Headers.XContentTypeOptions = "nosniff";
        foreach (var (name, value) in headers)
        {
            response.Headers[name] = value;
        }

        await response.Body.WriteAsync(content, context.HttpContext.RequestAborted).ConfigureAwait(false);
    }
}
