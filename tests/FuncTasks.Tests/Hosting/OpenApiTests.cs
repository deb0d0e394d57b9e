using System.Net;
using System.Text;
using System.Text.Json;
using FuncTasks.Testing.Http;
using FuncTasks.Tests.Infrastructure;

namespace FuncTasks.Tests.Hosting;

/// <summary>The app once, with the OpenAPI document as it serves it.</summary>
public sealed class OpenApiFixture : IAsyncLifetime
{
    public AppHost App { get; private set; } = null!;
    public HttpStatusCode Status { get; private set; }
    public string? MediaType { get; private set; }
    public string Text { get; private set; } = string.Empty;
    public JsonElement Document { get; private set; }

    public async Task InitializeAsync()
    {
        App = await AppHost.StartAsync();
        using var response = await App.GetAsync("/api/openapi.json");
        Status = response.StatusCode;
        MediaType = response.Content.Headers.ContentType?.MediaType;
        Text = await response.Content.ReadAsStringAsync();
        using var document = JsonDocument.Parse(Text);
        Document = document.RootElement.Clone();
    }

    public async Task DisposeAsync() => await App.DisposeAsync();
}

/// <summary>
/// Holds the hand-written OpenAPI document to the functions the host really serves (functions.metadata),
/// to the error contract, and to the OpenAPI specification itself.
/// </summary>
public sealed class OpenApiTests(OpenApiFixture fixture) : IClassFixture<OpenApiFixture>
{
    private static readonly string[] Methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

    /// <summary>Operations without a problem response: the anonymous ones that cannot refuse a request.</summary>
    private static readonly string[] WithoutProblems = ["Health", "OpenApiDocument", "ApiDocs", "Dashboard"];

    private JsonElement Doc => fixture.Document;

    [Fact]
    public void OpenApiJson_Is200Json_OpenApi3()
    {
        Assert.Equal(HttpStatusCode.OK, fixture.Status);
        Assert.Equal("application/json", fixture.MediaType);
        Assert.StartsWith("3.", Doc.GetProperty("openapi").GetString(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(Doc.GetProperty("info").GetProperty("title").GetString()));
    }

    [Fact]
    public void Paths_AreExactlyTheHttpFunctionsOfFunctionsMetadata()
    {
        var expected = FunctionsMetadata.HttpFunctions()
            .SelectMany(f => f.Methods.Select(m => $"{m.ToUpperInvariant()} /api/{WithoutConstraints(f.Route)}"))
            .Order(StringComparer.Ordinal)
            .ToList();
        var documented = Operations().Select(o => $"{o.Method.ToUpperInvariant()} {o.Path}").Order(StringComparer.Ordinal).ToList();

        Assert.Equal(expected, documented);
    }

    [Fact]
    public void Operations_AreNamedAfterTheirFunctions_AndAnonymousExactlyWhereTheHostIs()
    {
        var operations = Operations().ToDictionary(o => $"{o.Method.ToUpperInvariant()} {o.Path}");
        foreach (var function in FunctionsMetadata.HttpFunctions())
        {
            foreach (var method in function.Methods)
            {
                var operation = operations[$"{method.ToUpperInvariant()} /api/{WithoutConstraints(function.Route)}"].Operation;
                Assert.Equal(function.Name, operation.GetProperty("operationId").GetString());
                var anonymous = operation.TryGetProperty("security", out var security) && security.GetArrayLength() == 0;
                Assert.True(anonymous == (function.AuthLevel == "Anonymous"), $"{function.Name}: auth level {function.AuthLevel}, security {security}");
            }
        }
    }

    [Fact]
    public void EveryApiOperation_AnswersItsErrorsWithProblemDetails()
    {
        foreach (var (method, path, operation) in Operations())
        {
            var name = operation.GetProperty("operationId").GetString()!;
            var errors = operation.GetProperty("responses").EnumerateObject().Where(r => r.Name[0] is '4' or '5').ToList();
            if (WithoutProblems.Contains(name))
            {
                continue;
            }

            Assert.True(errors.Any(r => r.Name[0] == '4'), $"{method} {path} declares no 4xx response");
            foreach (var error in errors)
            {
                var response = Follow(error.Value);
                Assert.True(
                    response.TryGetProperty("content", out var content)
                    && content.TryGetProperty("application/problem+json", out var media)
                    && media.GetProperty("schema").TryGetProperty("$ref", out var schema)
                    && schema.GetString() == "#/components/schemas/ProblemDetails",
                    $"{method} {path} {error.Name} is not application/problem+json with the ProblemDetails schema");
            }
        }
    }

    [Fact]
    public void EveryRef_Resolves()
    {
        var references = new List<string>();
        CollectRefs(Doc, references);

        Assert.NotEmpty(references);
        Assert.All(references, reference =>
        {
            Assert.StartsWith("#/", reference, StringComparison.Ordinal);
            Assert.True(TryResolve(reference, out _), $"{reference} does not resolve");
        });
    }

    [Fact]
    public void Document_IsValidOpenApi_WithNoErrorsOrWarnings()
    {
        var result = Microsoft.OpenApi.OpenApiDocument.Parse(fixture.Text, "json");

        Assert.NotNull(result.Document);
        Assert.Empty(result.Diagnostic!.Errors.Select(e => $"{e.Pointer}: {e.Message}"));
        Assert.Empty(result.Diagnostic.Warnings.Select(e => $"{e.Pointer}: {e.Message}"));
        Assert.Equal(Operations().Count(), result.Document.Paths.Sum(p => p.Value.Operations?.Count ?? 0));
    }

    [Fact]
    public async Task Docs_Is200Html_ThatLoadsOpenApiJson_AndNothingFromOutside()
    {
        using var response = await fixture.App.GetAsync("/api/docs");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("openapi.json", html, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"(src|href)\s*=\s*[""']?(https?:)?//", html);
        Assert.Contains("connect-src 'self'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DocumentAndDocs_NeedNoApiKey_WhenApiKeysAreConfigured()
    {
        await using var app = await AppHost.StartAsync(new Dictionary<string, string?> { ["FuncTasks:Security:ApiKeys"] = "test-key" });

        foreach (var path in new[] { "/api/openapi.json", "/api/docs" })
        {
            using var open = await app.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, open.StatusCode);
        }

        using var refused = await app.GetAsync("/api/v1/tasks");
        await Json.AssertProblemAsync(refused, 401, "unauthorized");
    }

    /// <summary><c>{id:regex(...)}</c> becomes <c>{id}</c>: OpenAPI paths carry no route constraints.</summary>
    private static string WithoutConstraints(string route)
    {
        var result = new StringBuilder();
        for (var i = 0; i < route.Length; i++)
        {
            if (route[i] != '{')
            {
                result.Append(route[i]);
                continue;
            }

            var depth = 0;
            var name = new StringBuilder();
            var inName = true;
            for (; i < route.Length; i++)
            {
                depth += route[i] switch { '{' => 1, '}' => -1, _ => 0 };
                if (depth == 0)
                {
                    break;
                }

                if (route[i] == ':' && depth == 1)
                {
                    inName = false;
                }
                else if (inName && route[i] != '{')
                {
                    name.Append(route[i]);
                }
            }

            result.Append('{').Append(name).Append('}');
        }

        return result.ToString();
    }

    private IEnumerable<(string Method, string Path, JsonElement Operation)> Operations() =>
        Doc.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject()
                .Where(item => Methods.Contains(item.Name))
                .Select(item => (item.Name, path.Name, item.Value)));

    private JsonElement Follow(JsonElement element)
    {
        while (element.TryGetProperty("$ref", out var reference))
        {
            Assert.True(TryResolve(reference.GetString()!, out element), $"{reference} does not resolve");
        }

        return element;
    }

    private bool TryResolve(string reference, out JsonElement target)
    {
        target = Doc;
        foreach (var token in reference[2..].Split('/'))
        {
            if (target.ValueKind != JsonValueKind.Object
                || !target.TryGetProperty(token.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal), out target))
            {
                return false;
            }
        }

        return true;
    }

    private static void CollectRefs(JsonElement element, List<string> references)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    if (property.Name == "$ref" && property.Value.ValueKind == JsonValueKind.String)
                    {
                        references.Add(property.Value.GetString()!);
                    }
                    else
                    {
                        CollectRefs(property.Value, references);
                    }
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    CollectRefs(item, references);
                }

                break;
        }
    }
}
