using System.Text.Json;

namespace FuncTasks.Testing.Http;

/// <summary>One HTTP function as the Functions host sees it in functions.metadata.</summary>
public sealed record HttpFunctionMetadata(string Name, string EntryPoint, string Route, string AuthLevel, IReadOnlyList<string> Methods);

/// <summary>
/// Reads functions.metadata and host.json from the app's build output: the very files the Functions
/// host reads, so routes, methods and auth levels in tests are the deployed ones.
/// </summary>
public static class FunctionsMetadata
{
    public static string OutputFolder
    {
        get
        {
            var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                ? "Release" : "Debug";
            var folder = Path.Combine(RepositoryRoot.Path, "src", "FuncTasks", "bin", configuration, "net10.0");
            if (!File.Exists(Path.Combine(folder, "functions.metadata")))
            {
                throw new FileNotFoundException($"functions.metadata not found in {folder}; build src/FuncTasks first.");
            }

            return folder;
        }
    }

    public static JsonDocument ReadDocument() => JsonDocument.Parse(File.ReadAllText(Path.Combine(OutputFolder, "functions.metadata")));

    public static IReadOnlyList<HttpFunctionMetadata> HttpFunctions()
    {
        using var document = ReadDocument();
        var functions = new List<HttpFunctionMetadata>();
        foreach (var function in document.RootElement.EnumerateArray())
        {
            foreach (var binding in function.GetProperty("bindings").EnumerateArray())
            {
                if (binding.GetProperty("type").GetString() == "httpTrigger")
                {
                    functions.Add(new HttpFunctionMetadata(
                        function.GetProperty("name").GetString()!,
                        function.GetProperty("entryPoint").GetString()!,
                        binding.TryGetProperty("route", out var route) ? route.GetString()! : function.GetProperty("name").GetString()!,
                        binding.GetProperty("authLevel").GetString()!,
                        binding.TryGetProperty("methods", out var methods)
                            ? methods.EnumerateArray().Select(m => m.GetString()!.ToUpperInvariant()).ToList()
                            : ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]));
                }
            }
        }

        return functions;
    }

    /// <summary>A setting of the Durable extension in host.json (extensions.durableTask.{name}); null when unset.</summary>
    public static JsonElement? DurableTaskSetting(string name)
    {
        using var host = JsonDocument.Parse(File.ReadAllText(Path.Combine(OutputFolder, "host.json")));
        return host.RootElement.TryGetProperty("extensions", out var extensions)
               && extensions.TryGetProperty("durableTask", out var durable)
               && durable.TryGetProperty(name, out var value)
            ? value.Clone()
            : null;
    }

    /// <summary>The route prefix from host.json (extensions.http.routePrefix), "api" when unset.</summary>
    public static string RoutePrefix()
    {
        using var host = JsonDocument.Parse(File.ReadAllText(Path.Combine(OutputFolder, "host.json")));
        return host.RootElement.TryGetProperty("extensions", out var extensions)
               && extensions.TryGetProperty("http", out var http)
               && http.TryGetProperty("routePrefix", out var prefix)
            ? prefix.GetString()!
            : "api";
    }
}
