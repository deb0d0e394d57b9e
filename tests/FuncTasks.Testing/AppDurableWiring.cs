using FuncTasks.Execution;
using FuncTasks.Gate;
using FuncTasks.Schedules;
using FuncTasks.Testing.Durable;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace FuncTasks.Testing;

/// <summary>
/// Registers the app's orchestrators, activities and entity on the in-process durable engine under the
/// names its Functions wrappers use (Execution/JobDurableFunctions.cs, Gate/GateDurableFunctions.cs).
/// Orchestrations run as those wrappers, on the Durable extension's own context; activities and the entity
/// call the classes the wrappers call. Payloads go through the worker's converters, as under the host.
/// A test holds these names to functions.metadata.
/// </summary>
public static class AppDurableWiring
{
    /// <summary>The DataConverter of the app's orchestrations, activities and entity in the isolated worker.</summary>
    public static DataConverter DataConverter => IsolatedWorkerDurable.ForApp.WorkerConverter;

    /// <summary>The DataConverter of the app's <c>[DurableClient]</c>.</summary>
    public static DataConverter ClientDataConverter => IsolatedWorkerDurable.ForApp.ClientConverter;

    public static void Register(DurableTestRegistry registry, Func<DurableTaskClient> client)
    {
        ArgumentNullException.ThrowIfNull(registry);
        registry
            .AddOrchestrator(JobOrchestrator.Name, _ => FunctionOrchestrator.For(JobOrchestrator.Name, JobDurableFunctions.Orchestrate))
            .AddOrchestrator(PermitWaker.Name, _ => FunctionOrchestrator.For(PermitWaker.Name, GateDurableFunctions.Wake))
            .AddActivity(JobOrchestrator.RunJobActivity, sp => new DelegateActivity<JobRun, JobOutcome>(
                run => sp.GetRequiredService<JobExecutor>().RunAsync(run, client(), CancellationToken.None)))
            .AddActivity(JobOrchestrator.FailJobActivity, sp => new DelegateActivity<JobFailure, JobOutcome>(
                failure => sp.GetRequiredService<JobRecorder>().FailAsync(failure, CancellationToken.None)))
            .AddActivity(PermitWaker.FindEndedJobsActivity, _ => new DelegateActivity<string[], string[]>(
                jobIds => Orchestrations.FindEndedAsync(client(), jobIds, CancellationToken.None)))
            .AddOrchestrator(ScheduleDriver.Name, _ => FunctionOrchestrator.For(ScheduleDriver.Name, ScheduleDurableFunctions.Drive))
            .AddActivity(ScheduleDriver.TickActivity, sp => new DelegateActivity<string, ScheduleWake>(
                scheduleId => sp.GetRequiredService<ScheduleFirer>().TickAsync(scheduleId, client(), CancellationToken.None)))
            .AddActivity(ScheduleDurableFunctions.JobEndedActivity, sp => new DelegateActivity<ScheduledJobEnded, bool>(
                async ended =>
                {
                    await sp.GetRequiredService<ScheduleFirer>().JobEndedAsync(ended, client(), CancellationToken.None);
                    return true;
                }))
            .AddEntity(ConcurrencyGate.Name, sp => ActivatorUtilities.CreateInstance<ConcurrencyGate>(sp));
    }

    /// <summary>The registered names by kind, to compare with functions.metadata.</summary>
    public static IReadOnlyDictionary<string, string[]> Names { get; } = new Dictionary<string, string[]>
    {
        ["orchestrationTrigger"] = [JobOrchestrator.Name, PermitWaker.Name, ScheduleDriver.Name],
        ["activityTrigger"] = [JobOrchestrator.RunJobActivity, JobOrchestrator.FailJobActivity, PermitWaker.FindEndedJobsActivity,
            ScheduleDriver.TickActivity, ScheduleDurableFunctions.JobEndedActivity],
        ["entityTrigger"] = [ConcurrencyGate.Name],
    };

    private sealed class DelegateActivity<TInput, TOutput>(Func<TInput, Task<TOutput>> run) : TaskActivity<TInput, TOutput>
    {
        public override Task<TOutput> RunAsync(TaskActivityContext context, TInput input) => run(input);
    }
}
