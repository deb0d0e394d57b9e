using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace FuncTasks.Execution;

/// <summary>The Functions entry points of a job's orchestration and activities; the work is in the classes they call.</summary>
public sealed class JobDurableFunctions(JobExecutor executor, JobRecorder recorder)
{
    [Function(JobOrchestrator.Name)]
    public static Task<JobOutcome> Orchestrate([OrchestrationTrigger] TaskOrchestrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new JobOrchestrator().RunAsync(context, context.GetInput<JobRun>()!);
    }

    [Function(JobOrchestrator.RunJobActivity)]
    public Task<JobOutcome> RunJob([ActivityTrigger] JobRun run, [DurableClient] DurableTaskClient client, FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return executor.RunAsync(run, client, context.CancellationToken);
    }

    [Function(JobOrchestrator.FailJobActivity)]
    public Task<JobOutcome> FailJob([ActivityTrigger] JobFailure failure, FunctionContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return recorder.FailAsync(failure, context.CancellationToken);
    }
}
