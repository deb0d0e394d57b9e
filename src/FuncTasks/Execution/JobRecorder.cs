using FuncTasks.Api;
using FuncTasks.Hosting;
using FuncTasks.Jobs;

namespace FuncTasks.Execution;

/// <summary>The small record changes a job's orchestration makes through activities of their own.</summary>
public sealed class JobRecorder(JobStore jobs, FuncTasksMetrics metrics, TimeProvider clock)
{
    /// <summary>Shows on a pending job that it is waiting for a concurrency permit.</summary>
    public Task MarkWaitingAsync(PermitWait wait, CancellationToken cancellationToken) =>
        jobs.UpdateAsync(wait.JobId, job => job.Status == JobStatus.Pending ? job with { PermitRequestedAt = wait.RequestedAt } : null, cancellationToken);

    /// <summary>Fails a job that is not finished yet; how the job now stands.</summary>
    public async Task<JobOutcome> FailAsync(JobFailure failure, CancellationToken cancellationToken)
    {
        var (job, failed) = await jobs.TransitionAsync(failure.JobId, job => job.IsFinished ? null : job with
        {
            Status = JobStatus.Failed,
            FinishedAt = Timestamps.Now(clock),
            Error = new JobError(failure.Type, failure.Message),
        }, cancellationToken).ConfigureAwait(false);
        if (failed)
        {
            metrics.JobEnded(job!);
        }

        return new JobOutcome(job?.Status ?? JobStatus.Failed, job?.Error);
    }
}
