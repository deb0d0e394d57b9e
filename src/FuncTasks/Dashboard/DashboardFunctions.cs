using FuncTasks.Api;
using FuncTasks.Hosting.OpenApi;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;

namespace FuncTasks.Dashboard;

/// <summary>
/// <c>GET /api/dashboard</c>, the web dashboard, and <c>GET /api/dashboard/{file}</c>, its scripts and style sheet.
/// Both are anonymous (a page and its code hold no data); every data call the page makes carries the function key
/// the user entered, in a header. The files are embedded resources under <c>FuncTasks.Dashboard.</c>.
/// </summary>
public static class DashboardFunctions
{
    internal const string ResourcePrefix = "FuncTasks.Dashboard.";
    internal const string PageFile = "index.html";

    // The page runs only its own files and talks only to this app; nothing is loaded from elsewhere, nothing inline.
    private const string PagePolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static readonly Dictionary<string, (byte[] Content, string ContentType)> Files = typeof(DashboardFunctions).Assembly
        .GetManifestResourceNames()
        .Where(name => name.StartsWith(ResourcePrefix, StringComparison.Ordinal))
        .ToDictionary(name => name[ResourcePrefix.Length..], name => (OpenApiFunctions.ReadResource(name), ContentTypeOf(name)), StringComparer.Ordinal);

    [Function("Dashboard")]
    public static IResult Page(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "dashboard")] HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        // The page names its files relative to itself: "dashboard/app.js" from /api/dashboard, "app.js" from /api/dashboard/.
        var page = System.Text.Encoding.UTF8.GetString(Files[PageFile].Content)
            .Replace("{{files}}", request.Path.Value?.EndsWith('/') == true ? string.Empty : "dashboard/", StringComparison.Ordinal);
        return Raw(System.Text.Encoding.UTF8.GetBytes(page), Files[PageFile].ContentType);
    }

    [Function("DashboardFile")]
    public static IResult File(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "dashboard/{file}")] HttpRequest request,
        string file)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (file == PageFile || !Files.TryGetValue(file, out var found))
        {
            throw Refusals.NotFound("dashboard file", file);
        }

        return Raw(found.Content, found.ContentType);
    }

    private static IResult Raw(byte[] content, string contentType) =>
        TypedResults.Bytes(content, contentType)
            .WithHeader("Cache-Control", "no-cache")
            .WithHeader("X-Content-Type-Options", "nosniff")
            .WithHeader("Referrer-Policy", "no-referrer")
            .WithHeader("Content-Security-Policy", PagePolicy);

    private static string ContentTypeOf(string name) => Path.GetExtension(name) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        _ => "application/octet-stream",
    };
}
