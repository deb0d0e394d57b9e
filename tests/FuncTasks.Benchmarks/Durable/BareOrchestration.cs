using FuncTasks.Testing;
using FuncTasks.Testing.Durable;
using Microsoft.DurableTask;

namespace FuncTasks.Benchmarks.Durable;

/// <summary>
/// The baseline of <c>job-latency</c>: an orchestration that calls one no-op activity and returns its result,
/// nothing else (no entity, no storage of its own). FuncTasksTestApp registers only the app's orchestrations,
/// so this runs on a second <see cref="DurableTestHost"/> in the same process, on the same Azurite, with a task
/// hub of its own and the options FuncTasksTestApp gives the app's host.
/// </summary>
internal sealed class BareOrchestrator : TaskOrchestrator<string, string>
{
    public const string Name = "BenchBareOrchestrator";
    public const string ActivityName = nameof(BenchNoopActivity);

    public override Task<string> RunAsync(TaskOrchestrationContext context, string input)
    {
        ArgumentNullException.ThrowIfNull(context);
        return context.CallActivityAsync<string>(ActivityName, input);
    }

    /// <summary>Starts the host: the same settings as <see cref="FuncTasksTestApp"/>'s durable host, only the registrations differ.</summary>
    public static Task<DurableTestHost> StartHostAsync(string connectionString, IServiceProvider services, int maxConcurrentActivities) =>
        DurableTestHost.StartAsync(
            new DurableTestHostOptions
            {
                StorageConnectionString = connectionString,
                TaskHubName = TestNames.Unique("bare"),
                Services = services,
                DataConverter = AppDurableWiring.DataConverter,
                ClientDataConverter = AppDurableWiring.ClientDataConverter,
                LoggerFactory = Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance,
                MaxConcurrentActivities = maxConcurrentActivities,
                DeleteTaskHubOnDispose = true,
            },
            registry => registry
                .AddOrchestrator(Name, _ => new BareOrchestrator())
                .AddActivity(ActivityName, _ => new BenchNoopActivity()));

}

/// <summary>The bare orchestration's activity: returns its input.</summary>
internal sealed class BenchNoopActivity : TaskActivity<string, string>
{
    public override Task<string> RunAsync(TaskActivityContext context, string input) => Task.FromResult(input);
}
