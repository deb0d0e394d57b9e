using FuncTasks.Api;
using FuncTasks.Hosting;
using Microsoft.Extensions.Logging;

namespace FuncTasks.Jobs;

/// <summary>
/// Writes the transitions of a job's record (defined on <see cref="Job"/>): whoever starts or ends a job (the
/// activity, a cancel, the orchestration's own failure path, the sweep) goes through here, so the metrics and the
/// log of an ending follow from the transition itself, once, whichever writer wins.
/// </summary>
public sealed class JobLifecycle(JobStore jobs, FuncTasksMetrics metrics, TimeProvider clock, ILogger<JobLifecycle> logger)
{
    /// <summary>Begins <paramref name="attempt"/> (see <see cref="Job.Begin"/>); the record as it now stands.</summary>
    public async Task<JobChange> BeginAsync(string jobId, int attempt, DateTimeOffset? permitGrantedAt, CancellationToken cancellationToken)
    {
        var change = await jobs.TransitionAsync(jobId, job => job.Begin(attempt, Timestamps.Now(clock), permitGrantedAt), cancellationToken);
        if (change is { Changed: true, Job: { } begun })
        {
            logger.JobAttemptBegun(jobId, begun.Attempt);
            if (begun.Attempt == 1)
            {
                metrics.JobStarted(begun);
            }
        }

        return change;
    }

    /// <summary>Ends the job unless it has ended already; <paramref name="also"/> adds what the run left (exit code, artifact).</summary>
    public Task<JobChange> EndAsync(string jobId, JobStatus status, JobError? error, CancellationToken cancellationToken, Func<Job, Job>? also = null) =>
        EndAsync(jobId, status, _ => error, cancellationToken, also);

    /// <summary>Ends the job with an error made from the record as found (the sweep says what it was).</summary>
    public async Task<JobChange> EndAsync(
        string jobId, JobStatus status, Func<Job, JobError?> error, CancellationToken cancellationToken, Func<Job, Job>? also = null)
    {
        var change = await jobs.TransitionAsync(jobId, job => job.End(status, error(job), Timestamps.Now(clock)) is { } ended
            ? also?.Invoke(ended) ?? ended
            : null, cancellationToken);
        if (change is { Changed: true, Job: { } job })
        {
            metrics.JobEnded(job);
            logger.JobEnded(jobId, job.Status, job.Error?.Type);
        }

        return change;
    }
}
