using FuncTasks.Api;
using FuncTasks.Hosting;
using FuncTasks.Jobs;

namespace FuncTasks.Execution;

/// <summary>The record change a job's orchestration makes through an activity of its own when its work could not end normally.</summary>
public sealed class JobRecorder(JobStore jobs, FuncTasksMetrics metrics, TimeProvider clock)
{
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
