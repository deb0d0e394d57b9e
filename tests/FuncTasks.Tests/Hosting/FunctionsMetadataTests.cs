using FuncTasks.Testing.Http;

namespace FuncTasks.Tests.Hosting;

/// <summary>
/// Holds functions.metadata (what the Functions host reads) to the contract's route table, so a route
/// typo, a wrong verb or a wrong auth level cannot pass.
/// </summary>
public sealed class FunctionsMetadataTests
{
    private const string Id = "{id:regex(^(?!\\$))}";

    /// <summary>The contract (docs/api.md): method, route after the <c>api/</c> prefix, auth level.</summary>
    public static readonly (string Method, string Route, string AuthLevel)[] Contract =
    [
        ("POST", "v1/tasks", "Function"),
        ("GET", "v1/tasks", "Function"),
        ("GET", $"v1/tasks/{Id}", "Function"),
        ("PUT", $"v1/tasks/{Id}", "Function"),
        ("DELETE", $"v1/tasks/{Id}", "Function"),
        ("POST", "v1/tasks/{id}/$execute", "Function"),
        ("GET", "v1/tasks/$functions", "Function"),
        ("GET", "v1/tasks/$orphaned", "Function"),
        ("GET", "v1/concurrency", "Function"),
        ("PUT", "v1/concurrency", "Function"),
        ("GET", "v1/jobs", "Function"),
        ("GET", $"v1/jobs/{Id}", "Function"),
        ("GET", "v1/jobs/$stats", "Function"),
        ("POST", "v1/jobs/{id}/$cancel", "Function"),
        ("POST", "v1/jobs/{id}/$rerun", "Function"),
        ("DELETE", $"v1/jobs/{Id}", "Function"),
        ("GET", "v1/jobs/{id}/$stream", "Function"),
        ("POST", "v1/schedules", "Function"),
        ("GET", "v1/schedules", "Function"),
        ("GET", "v1/schedules/{id}", "Function"),
        ("PUT", "v1/schedules/{id}", "Function"),
        ("DELETE", "v1/schedules/{id}", "Function"),
        ("POST", "v1/schedules/{id}/$trigger", "Function"),
        ("GET", "v1/jobs/{id}/$logs", "Function"),
        ("GET", "v1/artifacts", "Function"),
        ("GET", "v1/artifacts/{id}", "Function"),
        ("GET", "v1/artifacts/{id}/$download", "Function"),
        ("DELETE", "v1/artifacts/{id}", "Function"),
        ("GET", "health", "Anonymous"),
        ("GET", "openapi.json", "Anonymous"),
        ("GET", "docs", "Anonymous"),
        ("GET", "dashboard", "Anonymous"),
        ("GET", "dashboard/{file}", "Anonymous"),
    ];

    [Fact]
    public void HttpFunctions_MatchTheContract_Exactly()
    {
        var actual = FunctionsMetadata.HttpFunctions()
            .SelectMany(f => f.Methods.Select(m => (Method: m, f.Route, f.AuthLevel)))
            .Order()
            .ToList();

        Assert.Equal(Contract.Order().ToList(), actual);
    }

    [Fact]
    public void DurableFunctions_AreTheOnesTheTestEngineRuns()
    {
        // The in-process engine registers the app's classes under these names; the host uses functions.metadata.
        using var document = FunctionsMetadata.ReadDocument();
        var actual = document.RootElement.EnumerateArray()
            .Select(f => (Kind: f.GetProperty("bindings")[0].GetProperty("type").GetString()!, Name: f.GetProperty("name").GetString()!))
            .Where(f => f.Kind is "orchestrationTrigger" or "activityTrigger" or "entityTrigger")
            .Order()
            .ToList();
        var expected = FuncTasks.Testing.AppDurableWiring.Names.SelectMany(kind => kind.Value.Select(name => (Kind: kind.Key, Name: name))).Order().ToList();
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void EntityMessageReorderWindow_IsOffInHostJson_AsTheTestEngineRunsIt()
    {
        // The gate entity receives from every job's orchestration; with the backend's 30-minute default its state would
        // carry every job of the last 30 minutes (see ConcurrencyGate). The tests and benchmarks must run what ships.
        var options = new FuncTasks.Testing.Durable.DurableTestHostOptions { StorageConnectionString = "-", TaskHubName = "hub", Services = null! };
        Assert.Equal(options.EntityMessageReorderWindowInMinutes, FunctionsMetadata.DurableTaskSetting("entityMessageReorderWindowInMinutes")?.GetInt32());
        Assert.Equal(0, options.EntityMessageReorderWindowInMinutes);
    }

    [Fact]
    public void RoutePrefix_IsApi()
    {
        Assert.Equal("api", FunctionsMetadata.RoutePrefix());
    }

    [Fact]
    public void ParameterSegments_BesideDollarLiterals_RefuseALeadingDollar()
    {
        // Under the real host a literal such as v1/tasks/$orphaned does not win over v1/tasks/{id} by itself
        // (docs/testing.md, route precedence): every parameter that shares a position with a $-literal must refuse '$'.
        var routes = FunctionsMetadata.HttpFunctions().Select(f => f.Route.Split('/')).ToList();
        foreach (var literal in routes)
        {
            for (var i = 0; i < literal.Length; i++)
            {
                if (!literal[i].StartsWith('$'))
                {
                    continue;
                }

                foreach (var other in routes.Where(r => r.Length == literal.Length && r.Take(i).SequenceEqual(literal.Take(i))))
                {
                    if (other[i].StartsWith('{'))
                    {
                        Assert.Contains("regex(^(?!\\$))", other[i], StringComparison.Ordinal);
                    }
                }
            }
        }
    }

    [Fact]
    public void Routes_HaveNoSquareBracketsInRegexes()
    {
        // Square brackets inside a route regex broke matching under the real host (every id answered 404).
        Assert.All(FunctionsMetadata.HttpFunctions(), f => Assert.DoesNotContain('[', f.Route));
    }
}
