using FuncTasks.Gate;
using FuncTasks.Jobs;
using Microsoft.DurableTask;

namespace FuncTasks.Execution;

/// <summary>A job's orchestration could not finish its work normally.</summary>
public sealed record JobFailure(string JobId, string Type, string Message);

/// <summary>
/// One job = one orchestration (instance id = job id). It takes a permit from the concurrency gate
/// (waiting, cancelable, when none is free), runs the work in the RunJob activity (with the task's
/// retry policy), and returns the permit however the job ends. Deterministic: only context time,
/// Durable calls and the input.
/// </summary>
public sealed class JobOrchestrator : TaskOrchestrator<JobRun, JobOutcome>
{
    public const string Name = "JobOrchestrator";
    public const string RunJobActivity = "RunJob";
    public const string FailJobActivity = "FailJob";

    public override async Task<JobOutcome> RunAsync(TaskOrchestrationContext context, JobRun input)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(input);
        var run = input;
        var owesRelease = false;
        try
        {
            if (run.UseGate)
            {
                owesRelease = true; // from the acquire on, the job holds or queues for a permit
                var granted = false;
                if (run.AcquireByCall)
                {
                    granted = await context.Entities.CallEntityAsync<bool>(ConcurrencyGate.Id, ConcurrencyGate.Operations.AcquireNow, run.JobId);
                }
                else
                {
                    await context.Entities.SignalEntityAsync(ConcurrencyGate.Id, ConcurrencyGate.Operations.Acquire, run.JobId);
                }

                if (!granted)
                {
                    // The losing wait is simply left behind. Canceling it with `await cts.CancelAsync()` resumed the
                    // orchestrator off its own thread and the instance never completed (seen on the durable engine).
                    var permit = context.WaitForExternalEvent<string>(PermitWaker.PermitGrantedEvent);
                    var cancel = context.WaitForExternalEvent<string>(JobScheduler.CancelEvent);
                    if (await Task.WhenAny(permit, cancel) == cancel)
                    {
                        return new JobOutcome(JobStatus.Canceled, new JobError("canceled", "Canceled while waiting for a permit."));
                    }
                }

                run = run with { PermitGrantedAt = new DateTimeOffset(context.CurrentUtcDateTime, TimeSpan.Zero) };
            }

            return await context.CallActivityAsync<JobOutcome>(RunJobActivity, run, RetryOptions(run));
        }
        catch (TaskFailedException failure)
        {
            // Only unexpected faults reach here (a failed attempt of the task is recorded by the activity itself).
            return await context.CallActivityAsync<JobOutcome>(FailJobActivity,
                new JobFailure(run.JobId, "internal_error", failure.FailureDetails.ErrorMessage));
        }
        finally
        {
            if (owesRelease)
            {
                await context.Entities.SignalEntityAsync(ConcurrencyGate.Id, ConcurrencyGate.Operations.Release, run.JobId);
            }
        }
    }

    private static TaskOptions? RetryOptions(JobRun run) => run.Task.Retry is { MaxAttempts: > 1 } retry
        ? TaskOptions.FromRetryPolicy(new RetryPolicy(retry.MaxAttempts, TimeSpan.FromSeconds(retry.FirstDelaySeconds), retry.Backoff))
        : null;
}
