using FuncTasks.Api;
using FuncTasks.Hosting;
using FuncTasks.Jobs;

namespace FuncTasks.Execution;

/// <summary>The record change a job's orchestration makes through an activity of its own when its work could not end normally.</summary>
public sealed class JobRecorder(JobLifecycle lifecycle)
{
    /// <summary>Fails a job that is not finished yet; how the job now stands.</summary>
    public async Task<JobOutcome> FailAsync(JobFailure failure, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(failure);
        var (job, _) = await lifecycle.EndAsync(failure.JobId, JobStatus.Failed, new JobError(failure.Type, failure.Message), cancellationToken);
        return new JobOutcome(job?.Status ?? JobStatus.Failed, job?.Error);
    }
}
