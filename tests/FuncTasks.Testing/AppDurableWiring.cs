using FuncTasks.Api;
using FuncTasks.Execution;
using FuncTasks.Gate;
using FuncTasks.Testing.Durable;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Converters;
using Microsoft.Extensions.DependencyInjection;

namespace FuncTasks.Testing;

/// <summary>
/// Registers the app's orchestrators, activities and entity on the in-process durable engine under the
/// names its Functions wrappers use (Execution/JobDurableFunctions.cs, Gate/GateDurableFunctions.cs),
/// calling the same classes those wrappers call. A test holds these names to functions.metadata.
/// </summary>
public static class AppDurableWiring
{
    public static DataConverter DataConverter { get; } = new JsonDataConverter(ApiJson.Options);

    public static void Register(DurableTestRegistry registry, Func<DurableTaskClient> client)
    {
        ArgumentNullException.ThrowIfNull(registry);
        registry
            .AddOrchestrator(JobOrchestrator.Name, _ => new JobOrchestrator())
            .AddOrchestrator(PermitWaker.Name, _ => new PermitWaker())
            .AddActivity(JobOrchestrator.RunJobActivity, sp => new DelegateActivity<JobRun, JobOutcome>(
                run => sp.GetRequiredService<JobExecutor>().RunAsync(run, client(), CancellationToken.None)))
            .AddActivity(JobOrchestrator.FailJobActivity, sp => new DelegateActivity<JobFailure, JobOutcome>(
                failure => sp.GetRequiredService<JobRecorder>().FailAsync(failure, CancellationToken.None)))
            .AddEntity(ConcurrencyGate.Name, sp => ActivatorUtilities.CreateInstance<ConcurrencyGate>(sp));
    }

    /// <summary>The registered names by kind, to compare with functions.metadata.</summary>
    public static IReadOnlyDictionary<string, string[]> Names { get; } = new Dictionary<string, string[]>
    {
        ["orchestrationTrigger"] = [JobOrchestrator.Name, PermitWaker.Name],
        ["activityTrigger"] = [JobOrchestrator.RunJobActivity, JobOrchestrator.FailJobActivity],
        ["entityTrigger"] = [ConcurrencyGate.Name],
    };

    private sealed class DelegateActivity<TInput, TOutput>(Func<TInput, Task<TOutput>> run) : TaskActivity<TInput, TOutput>
    {
        public override Task<TOutput> RunAsync(TaskActivityContext context, TInput input) => run(input);
    }
}
