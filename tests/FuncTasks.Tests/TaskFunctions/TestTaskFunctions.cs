using System.Text.Json;
using System.Text.Json.Nodes;
using FuncTasks.Artifacts;
using FuncTasks.Execution;
using FuncTasks.Jobs;
using FuncTasks.TaskFunctions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FuncTasks.Tests.TaskFunctions;

/// <summary>A service the tests register, to check that "any registered service" is injected.</summary>
public sealed class GreetingService
{
    public string Greet(string name) => $"Hi, {name}";
}

/// <summary>A type nobody registers: without a default it is an argument (a JSON object), not a service.</summary>
public sealed record Address(string StreetName, int HouseNumber);

public sealed record Point(int X, int Y);

public delegate object WithRefParameter(ref int count);

/// <summary>Methods the tests register as task functions through delegates (TaskFunctionSource with Name + Function).</summary>
public static class TestTaskFunctions
{
    // Return types refused at registration.
    public static int ReturnsInt() => 1;
    public static string ReturnsString() => "x";
    public static bool ReturnsBool() => true;
    public static List<int> ReturnsListOfInt() => [1];
    public static int[] ReturnsIntArray() => [1];
    public static Task<string> ReturnsTaskOfString() => Task.FromResult("x");
    public static ValueTask<int> ReturnsValueTaskOfInt() => ValueTask.FromResult(1);

    // Return types accepted.
    public static Point ReturnsRecord() => new(1, 2);
    public static object ReturnsAnonymousAsObject() => new { answer = 42 };
    public static Dictionary<string, object> ReturnsDictionary() => new() { ["answer"] = 42 };
    public static void ReturnsVoid()
    {
    }

    public static Task ReturnsTask() => Task.CompletedTask;
    public static ValueTask ReturnsValueTask() => ValueTask.CompletedTask;
    public static Task<Point> ReturnsTaskOfRecord() => Task.FromResult(new Point(3, 4));
    public static ValueTask<Point> ReturnsValueTaskOfRecord() => ValueTask.FromResult(new Point(5, 6));
    public static JsonObject ReturnsJsonObject() => new() { ["answer"] = 42 };

    public static IReadOnlyDictionary<string, Delegate> ByName { get; } = new Dictionary<string, Delegate>(StringComparer.Ordinal)
    {
        [nameof(ReturnsInt)] = ReturnsInt,
        [nameof(ReturnsString)] = ReturnsString,
        [nameof(ReturnsBool)] = ReturnsBool,
        [nameof(ReturnsListOfInt)] = ReturnsListOfInt,
        [nameof(ReturnsIntArray)] = ReturnsIntArray,
        [nameof(ReturnsTaskOfString)] = ReturnsTaskOfString,
        [nameof(ReturnsValueTaskOfInt)] = ReturnsValueTaskOfInt,
        [nameof(ReturnsRecord)] = ReturnsRecord,
        [nameof(ReturnsAnonymousAsObject)] = ReturnsAnonymousAsObject,
        [nameof(ReturnsDictionary)] = ReturnsDictionary,
        [nameof(ReturnsVoid)] = ReturnsVoid,
        [nameof(ReturnsTask)] = ReturnsTask,
        [nameof(ReturnsValueTask)] = ReturnsValueTask,
        [nameof(ReturnsTaskOfRecord)] = ReturnsTaskOfRecord,
        [nameof(ReturnsValueTaskOfRecord)] = ReturnsValueTaskOfRecord,
        [nameof(ReturnsJsonObject)] = ReturnsJsonObject,
    };

    /// <summary>Every kind of parameter: the first seven are injected, the rest are arguments.</summary>
#pragma warning disable CA1068 // the token comes first on purpose: injection does not depend on position
    public static object Everything(
        CancellationToken cancellationToken,
        ILogger logger,
        JobContext job,
        IJobProgress progress,
        ArtifactStore artifacts,
        JobScheduler scheduler,
        GreetingService greeter,
        string text,
        int count,
        double ratio,
        bool flag,
        JsonElement data,
        Address address,
        int[] numbers,
        List<string> names,
        Dictionary<string, int> counts,
        GreetingService? optionalGreeter = null,
        int limit = 5) => new { ok = true };
#pragma warning restore CA1068

    /// <summary>Typed arguments for TaskArguments.Check and Bind.</summary>
    public static object Typed(int count, string text, bool flag, double ratio, int[] numbers, Address address,
        int? maybe, string? note, DayOfWeek day, int withDefault = 3, string greeting = "hello") => new { ok = true };

    public static object SnakeCase(string riskyParam, int stepSeconds, string userID, string already_snake) => new { ok = true };

    public static object First(int a) => new { a };
    public static object Second(int b) => new { b };
}

internal static class Registries
{
    private static readonly ServiceProvider Provider = new ServiceCollection().AddSingleton<GreetingService>().BuildServiceProvider();

    /// <summary>Knows GreetingService as a registered service, nothing else.</summary>
    public static IServiceProviderIsService IsService => Provider.GetRequiredService<IServiceProviderIsService>();

    public static TaskFunctionSource Source(string name, Delegate function, string? description = null) => new(null, name, function, description);

    public static TaskFunctionRegistry Of(params TaskFunctionSource[] sources) => new(sources, IsService);

    public static TaskFunctionDescriptor One(string name, Delegate function) => Of(Source(name, function)).Find(name)!;
}
