using FuncTasks.Api;
using Microsoft.AspNetCore.Http;
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
    public static IResult Document(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "openapi.json")] HttpRequest request) =>
        Raw(DocumentBytes.Value, "application/json; charset=utf-8");

    [Function("ApiDocs")]
    public static IResult Docs(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "docs")] HttpRequest request) =>
        Raw(PageBytes.Value, "text/html; charset=utf-8").WithHeader("Content-Security-Policy", PagePolicy);

    /// <summary>Bytes as they are, with their content type (a document or a page, not an API value).</summary>
    private static IResult Raw(byte[] content, string contentType) =>
        TypedResults.Bytes(content, contentType).WithHeader("Cache-Control", "no-cache").WithHeader("X-Content-Type-Options", "nosniff");

    internal static byte[] ReadResource(string name)
    {
        using var stream = typeof(OpenApiFunctions).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The embedded resource '{name}' is missing from the build.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
