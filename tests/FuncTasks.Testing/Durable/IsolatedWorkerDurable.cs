using System.Reflection;
using Azure.Core.Serialization;
using FuncTasks.Hosting;
using FuncTasks.Testing.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.Converters;
using Microsoft.Azure.Functions.Worker.Core;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Worker;
using Microsoft.DurableTask.Worker.Shims;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace FuncTasks.Testing.Durable;

/// <summary>
/// The durable serialization of the app as the isolated worker really sets it up: the app's own
/// <c>Program.cs</c> registration (<see cref="FuncTasksRegistration.AddFuncTasks"/>) on a real
/// <see cref="FunctionsApplication"/> builder, with the worker extensions' startup code the Functions SDK
/// generated for the app (the Durable extension's among them), built but never started. The test engine takes
/// its converters from here, and runs orchestrations through the Durable extension's own orchestration context,
/// so a payload that would not survive the host does not survive the tests either.
/// </summary>
public sealed class IsolatedWorkerDurable
{
    private const string ExtensionAssembly = "Microsoft.Azure.Functions.Worker.Extensions.DurableTask";

    private static readonly Lazy<IsolatedWorkerDurable> App = new(Create);

    private readonly ConstructorInfo functionsContext;
    private readonly IInputConverter activityInputConverter;

    private IsolatedWorkerDurable(IServiceProvider services)
    {
        Services = services;
        WorkerConverter = services.GetRequiredService<IOptions<DurableTaskWorkerOptions>>().Value.DataConverter;
        ClientConverter = services.GetRequiredService<IOptions<DurableTaskClientOptions>>().Value.DataConverter;
        WorkerSerializer = services.GetRequiredService<IOptions<WorkerOptions>>().Value.Serializer
            ?? throw new InvalidOperationException("The worker has no serializer.");
        Shims = services.GetRequiredService<DurableTaskShimFactory>();

        // Internal types of the extension: the same objects the worker uses under the host, found by name.
        var extension = typeof(ActivityTriggerAttribute).Assembly;
        functionsContext = (extension.GetType($"{ExtensionAssembly}.FunctionsOrchestrationContext", throwOnError: true)!)
            .GetConstructor(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic, [typeof(TaskOrchestrationContext), typeof(FunctionContext)])
            ?? throw new InvalidOperationException("FunctionsOrchestrationContext(TaskOrchestrationContext, FunctionContext) not found.");
        activityInputConverter = (IInputConverter)ActivatorUtilities.CreateInstance(
            services, extension.GetType($"{ExtensionAssembly}.ActivityInputConverter", throwOnError: true)!);
    }

    /// <summary>The app's worker, as <c>Program.cs</c> builds it.</summary>
    public static IsolatedWorkerDurable ForApp => App.Value;

    public IServiceProvider Services { get; }

    /// <summary>The DataConverter of the worker's orchestrations, activities and entities.</summary>
    public DataConverter WorkerConverter { get; }

    /// <summary>The DataConverter of a <c>[DurableClient]</c> in the app's functions.</summary>
    public DataConverter ClientConverter { get; }

    /// <summary>What the worker writes a function's return value with (an activity's output, on its way to the host).</summary>
    public ObjectSerializer WorkerSerializer { get; }

    /// <summary>The SDK shims as the worker registers them (with <see cref="WorkerConverter"/>).</summary>
    public DurableTaskShimFactory Shims { get; }

    /// <summary>
    /// The orchestration context a <c>[OrchestrationTrigger]</c> function receives under the host: the extension's
    /// FunctionsOrchestrationContext around the engine's. Its <c>GetInput&lt;T&gt;()</c> takes another path than the engine's.
    /// </summary>
    public TaskOrchestrationContext ForFunction(TaskOrchestrationContext engineContext, string functionName) =>
        (TaskOrchestrationContext)functionsContext.Invoke([engineContext, new TestFunctionContext(Services, functionName, CancellationToken.None)]);

    /// <summary>What an <c>[ActivityTrigger]</c> parameter of <paramref name="targetType"/> is bound to from the host's input string.</summary>
    public async Task<object?> BindActivityInputAsync(string? input, Type targetType, string functionName)
    {
        var result = await activityInputConverter.ConvertAsync(
            new ActivityConverterContext(targetType, input, new TestFunctionContext(Services, functionName, CancellationToken.None))).ConfigureAwait(false);
        return result.Status == ConversionStatus.Succeeded
            ? result.Value
            : throw new InvalidOperationException($"The activity input did not bind to {targetType.Name}: {result.Status}.", result.Error);
    }

    private static IsolatedWorkerDurable Create()
    {
        var builder = FunctionsApplication.CreateBuilder([]);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["AzureWebJobsStorage"] = "UseDevelopmentStorage=true" });

        // The worker runs the extensions' startup code found on the entry assembly; under a test runner that is not the app.
        foreach (var info in typeof(FuncTasksRegistration).Assembly.GetCustomAttributes<WorkerExtensionStartupCodeExecutorInfoAttribute>())
        {
            ((WorkerExtensionStartup)Activator.CreateInstance(info.StartupCodeExecutorType)!).Configure(builder);
        }

        builder.ConfigureFunctionsWebApplication();
        builder.AddFuncTasks();
        return new IsolatedWorkerDurable(builder.Build().Services);
    }

    private sealed class ActivityConverterContext(Type targetType, object? source, FunctionContext context) : ConverterContext
    {
        public override Type TargetType { get; } = targetType;
        public override object? Source { get; } = source;
        public override FunctionContext FunctionContext { get; } = context;
        public override IReadOnlyDictionary<string, object> Properties { get; } = new Dictionary<string, object>();
    }
}
