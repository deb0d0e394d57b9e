using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using FuncTasks.Execution;
using FuncTasks.Jobs;
using FuncTasks.TaskFunctions;
using FuncTasks.Tests.TaskFunctions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FuncTasks.Tests.Execution;

/// <summary>
/// TaskFunctionInvoker on a real container: sync and async functions, their JSON results, exceptions,
/// injection. The job-scoped services (progress, artifacts, scheduler) are null here: these functions do
/// not take them (TaskFunctionInvokerStorageTests injects real ones).
/// </summary>
public sealed class TaskFunctionInvokerTests : IDisposable
{
    private static readonly JobContext Context = new("01JOBJOBJOBJOBJOBJOBJOBJOB", "01TASKTASKTASKTASKTASKTASK", "01RESULTRESULTRESULTRESULT", 2);
    private static readonly JobServices Job = new(Context, null!, null!, null!);

    private readonly RecordingLoggerProvider logs = new();
    private readonly ServiceProvider provider;
    private readonly TaskFunctionInvoker invoker;

    public TaskFunctionInvokerTests()
    {
        provider = new ServiceCollection()
            .AddLogging(b => b.AddProvider(logs))
            .AddSingleton<GreetingService>()
            .AddScoped<ScopedResource>()
            .BuildServiceProvider();
        invoker = new TaskFunctionInvoker(provider.GetRequiredService<IServiceScopeFactory>(), provider.GetRequiredService<ILoggerFactory>());
    }

    public void Dispose() => provider.Dispose();

    private TaskFunctionDescriptor Describe(string name, Delegate function) =>
        new TaskFunctionRegistry([new TaskFunctionSource(null, name, function, null)], provider.GetRequiredService<IServiceProviderIsService>()).Find(name)!;

    private Task<JsonElement?> InvokeAsync(Delegate function, string? parameters = null, CancellationToken cancellationToken = default) =>
        invoker.InvokeAsync(Describe("f", function), parameters is null ? null : JsonDocument.Parse(parameters).RootElement.Clone(), Job, cancellationToken);

    private static string Raw(JsonElement? json) => json is { } j ? j.GetRawText() : "null";

    [Fact]
    public async Task InvokeAsync_SyncFunction_ReturnsItsObjectAsJson()
    {
        var result = await InvokeAsync((Func<int, int, object>)((a, b) => new { sum = a + b, a, b }), """{"a": 2, "b": 3}""");

        Assert.Equal("""{"sum":5,"a":2,"b":3}""", Raw(result));
    }

    [Fact]
    public async Task InvokeAsync_AsyncTaskOfRecord_AwaitsAndReturnsSnakeCaseJson()
    {
        static async Task<Address> Move(string streetName, int houseNumber, CancellationToken cancellationToken)
        {
            await Task.Delay(20, cancellationToken);
            return new Address(streetName.ToUpperInvariant(), houseNumber + 1);
        }

        var result = await InvokeAsync((Func<string, int, CancellationToken, Task<Address>>)Move, """{"street_name": "main", "house_number": 1}""");

        Assert.Equal("""{"street_name":"MAIN","house_number":2}""", Raw(result));
    }

    [Fact]
    public async Task InvokeAsync_AsyncValueTaskOfT_AwaitsAndReturnsJson()
    {
        static async ValueTask<Dictionary<string, object>> Count(int[] numbers)
        {
            await Task.Yield();
            return new Dictionary<string, object> { ["count"] = numbers.Length, ["total"] = numbers.Sum() };
        }

        var result = await InvokeAsync((Func<int[], ValueTask<Dictionary<string, object>>>)Count, """{"numbers": [1, 2, 3]}""");

        Assert.Equal("""{"count":3,"total":6}""", Raw(result));
    }

    [Fact]
    public async Task InvokeAsync_SynchronousValueTaskOfT_ReturnsJson()
    {
        var result = await InvokeAsync((Func<ValueTask<Point>>)TestTaskFunctions.ReturnsValueTaskOfRecord);

        Assert.Equal("""{"x":5,"y":6}""", Raw(result));
    }

    [Fact]
    public async Task InvokeAsync_JsonObjectAndDictionaryResults_ReturnThemAsObjects()
    {
        Assert.Equal("""{"answer":42}""", Raw(await InvokeAsync((Func<JsonObject>)TestTaskFunctions.ReturnsJsonObject)));
        Assert.Equal("""{"answer":42}""", Raw(await InvokeAsync((Func<Dictionary<string, object>>)TestTaskFunctions.ReturnsDictionary)));
        Assert.Equal("""{"answer":42}""", Raw(await InvokeAsync((Func<object>)TestTaskFunctions.ReturnsAnonymousAsObject)));
    }

    [Fact]
    public async Task InvokeAsync_VoidFunction_ReturnsNullAndRuns()
    {
        var ran = 0;

        var result = await InvokeAsync((Action<int>)(n => ran = n), """{"n": 7}""");

        Assert.Null(result);
        Assert.Equal(7, ran);
    }

    [Fact]
    public async Task InvokeAsync_AsyncTaskFunction_ReturnsNull()
    {
        var ran = false;
        async Task Work()
        {
            await Task.Delay(10);
            ran = true;
        }

        var result = await InvokeAsync((Func<Task>)Work);

        Assert.True(ran);
        Assert.Null(result);
    }

    [Fact]
    public async Task InvokeAsync_TaskFunctionReturningATaskOfSomething_ReturnsNull()
    {
        // Declared Task: whatever the runtime task carries is not a result.
        var result = await InvokeAsync((Func<Task>)(() => Task.FromResult(5)));

        Assert.Null(result);
    }

    [Fact]
    public async Task InvokeAsync_AsyncValueTaskFunction_ReturnsNull()
    {
        var ran = false;
        async ValueTask Work()
        {
            await Task.Delay(10);
            ran = true;
        }

        var result = await InvokeAsync((Func<ValueTask>)Work);

        Assert.True(ran);
        Assert.Null(result);
    }

    [Fact]
    public async Task InvokeAsync_FunctionReturningNullThroughObject_ReturnsNull()
    {
        Assert.Null(await InvokeAsync((Func<object?>)(() => null)));
        Assert.Null(await InvokeAsync((Func<Task<object?>>)(() => Task.FromResult<object?>(null))));
    }

    [Theory]
    [InlineData("number", "a number")]
    [InlineData("string", "a string")]
    [InlineData("array", "an array")]
    [InlineData("boolean", "a boolean")]
    public async Task InvokeAsync_NonObjectAtRunTimeThroughObject_ThrowsInvalidTaskResult(string kind, string described)
    {
        object returned = kind switch
        {
            "number" => 5,
            "string" => "text",
            "array" => new[] { 1, 2 },
            _ => true,
        };

        var ex = await Assert.ThrowsAsync<InvalidTaskResultException>(() => InvokeAsync((Func<object>)(() => returned)));

        Assert.Contains("'f'", ex.Message, StringComparison.Ordinal);
        Assert.Contains(described, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeAsync_AsyncNonObjectThroughTaskOfObject_ThrowsInvalidTaskResult()
    {
        static async Task<object> Numbers()
        {
            await Task.Yield();
            return new List<int> { 1, 2 };
        }

        await Assert.ThrowsAsync<InvalidTaskResultException>(() => InvokeAsync((Func<Task<object>>)Numbers));
    }

    [Fact]
    public async Task InvokeAsync_SyncFunctionThrows_SurfacesTheExceptionUnwrapped()
    {
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(
            () => InvokeAsync((Func<string, object>)(reason => throw new InvalidOperationException(reason)), """{"reason": "boom"}"""));

        Assert.Equal("boom", ex.Message);
        Assert.Contains(nameof(InvokeAsync_SyncFunctionThrows_SurfacesTheExceptionUnwrapped), ex.StackTrace, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvokeAsync_AsyncFunctionThrows_SurfacesTheExceptionUnwrapped()
    {
        static async Task<object> Fail()
        {
            await Task.Delay(5);
            throw new FormatException("async boom");
        }

        var ex = await Assert.ThrowsAsync<FormatException>(() => InvokeAsync((Func<Task<object>>)Fail));

        Assert.Equal("async boom", ex.Message);
    }

    [Fact]
    public async Task InvokeAsync_ValueTaskOfTThrows_SurfacesTheExceptionUnwrapped()
    {
        static async ValueTask<Point> Fail()
        {
            await Task.Yield();
            throw new KeyNotFoundException("vt boom");
        }

        var ex = await Assert.ThrowsAsync<KeyNotFoundException>(() => InvokeAsync((Func<ValueTask<Point>>)Fail));

        Assert.Equal("vt boom", ex.Message);
    }

    [Fact]
    public async Task InvokeAsync_ThrowsTargetInvocationExceptionItself_IsNotUnwrappedFurther()
    {
        var inner = new InvalidOperationException("inner");

        var ex = await Assert.ThrowsAsync<TargetInvocationException>(
            () => InvokeAsync((Func<object>)(() => throw new TargetInvocationException("own", inner))));

        Assert.Same(inner, ex.InnerException);
    }

    [Fact]
    public async Task InvokeAsync_CancellationTokenParameter_IsTheTokenPassed()
    {
        using var source = new CancellationTokenSource();
        CancellationToken seen = default;

        await InvokeAsync((Func<CancellationToken, object>)(ct =>
        {
            seen = ct;
            return new { };
        }), cancellationToken: source.Token);

        Assert.Equal(source.Token, seen);
        Assert.True(seen.CanBeCanceled);
    }

    [Fact]
    public async Task InvokeAsync_CanceledWhileAwaiting_ThrowsOperationCanceled()
    {
        using var source = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => InvokeAsync(
            (Func<CancellationToken, Task<object>>)(async ct =>
            {
                await Task.Delay(Timeout.Infinite, ct);
                return new { };
            }), cancellationToken: source.Token));
    }

    [Fact]
    public async Task InvokeAsync_RegisteredServiceAndJobContext_AreInjected()
    {
        var result = await InvokeAsync(
            (Func<GreetingService, JobContext, string, object>)((greeter, job, name) => new { message = greeter.Greet(name), job.JobId, job.Attempt }),
            """{"name": "Ada"}""");

        Assert.Equal("""{"message":"Hi, Ada","job_id":"01JOBJOBJOBJOBJOBJOBJOBJOB","attempt":2}""", Raw(result));
    }

    [Fact]
    public async Task InvokeAsync_ScopedService_IsNewPerInvocationAndDisposedAfter()
    {
        var seen = new List<ScopedResource>();
        var function = Describe("scoped", (Func<ScopedResource, object>)(r =>
        {
            seen.Add(r);
            return new { disposed_during_call = r.Disposed };
        }));

        var first = await invoker.InvokeAsync(function, null, Job, CancellationToken.None);
        await invoker.InvokeAsync(function, null, Job, CancellationToken.None);

        Assert.Equal("""{"disposed_during_call":false}""", Raw(first));
        Assert.Equal(2, seen.Count);
        Assert.NotSame(seen[0], seen[1]);
        Assert.All(seen, r => Assert.True(r.Disposed));
    }

    [Fact]
    public async Task InvokeAsync_Logger_IsCategorizedByTheFunctionName()
    {
        await InvokeAsync((Func<ILogger, object>)(logger =>
        {
#pragma warning disable CA1848 // a one-off log line in a test
            logger.LogWarning("hello from the function");
#pragma warning restore CA1848
            return new { };
        }));

        Assert.Contains(("FuncTasks.TaskFunctions.f", "hello from the function"), logs.Entries);
    }

    [Fact]
    public async Task InvokeAsync_DefaultArguments_AppliedWhenNotGiven()
    {
        var function = (Func<string, int, object>)((name, times) => new { text = string.Concat(Enumerable.Repeat(name, times)) });
        static object Greet(string name = "World", int times = 2) => new { text = string.Concat(Enumerable.Repeat(name, times)) };

        Assert.Equal("""{"text":"WorldWorld"}""", Raw(await InvokeAsync((Func<string, int, object>)Greet)));
        Assert.Equal("""{"text":"Ada"}""", Raw(await InvokeAsync((Func<string, int, object>)Greet, """{"name": "Ada", "times": 1}""")));
        Assert.Equal("""{"text":"xx"}""", Raw(await InvokeAsync(function, """{"name": "x", "times": 2}""")));
    }

    [Fact]
    public async Task InvokeAsync_ArgumentsThatDoNotBind_ThrowsArgumentExceptionBeforeRunning()
    {
        var ran = false;

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => InvokeAsync((Func<int, object>)(a =>
        {
            ran = true;
            return new { a };
        }), """{"a": "1"}"""));

        Assert.Equal("a", ex.ParamName);
        Assert.False(ran);
    }

    [Fact]
    public async Task InvokeAsync_InstanceMethodDelegate_RunsOnItsTarget()
    {
        var counter = new Counter(40);

        var result = await InvokeAsync((Func<int, object>)counter.Add, """{"by": 2}""");

        Assert.Equal("""{"value":42}""", Raw(result));
        Assert.Equal(42, counter.Value);
    }

    [Fact]
    public async Task InvokeAsync_AttributedInstanceMethod_CreatesItsClassWithConstructorInjection()
    {
        var registry = new TaskFunctionRegistry(
            [new TaskFunctionSource(typeof(AttributedInstanceTaskFunctions).Assembly, null, null, null)],
            provider.GetRequiredService<IServiceProviderIsService>());

        var result = await invoker.InvokeAsync(registry.Find("tfr_instance")!, JsonDocument.Parse("""{"name": "Lin"}""").RootElement, Job, CancellationToken.None);
        var hidden = await invoker.InvokeAsync(registry.Find("tfr_private")!, null, Job, CancellationToken.None);

        Assert.Equal("""{"message":"Hi, Lin"}""", Raw(result));
        Assert.Equal("""{"hidden":true}""", Raw(hidden));
    }

    private sealed class Counter(int start)
    {
        public int Value { get; private set; } = start;

        public object Add(int by)
        {
            Value += by;
            return new { value = Value };
        }
    }

    private sealed class ScopedResource : IDisposable
    {
        public bool Disposed { get; private set; }

        public void Dispose() => Disposed = true;
    }

    private sealed class RecordingLoggerProvider : ILoggerProvider
    {
        public ConcurrentBag<(string Category, string Message)> Entries { get; } = [];

        public ILogger CreateLogger(string categoryName) => new Recorder(categoryName, Entries);

        public void Dispose()
        {
        }

        private sealed class Recorder(string category, ConcurrentBag<(string, string)> entries) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                entries.Add((category, formatter(state, exception)));
        }
    }
}
