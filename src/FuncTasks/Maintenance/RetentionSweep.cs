using FuncTasks.Artifacts;
using FuncTasks.Idempotency;
using FuncTasks.Jobs;
using FuncTasks.Output;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;

namespace FuncTasks.Maintenance;

/// <summary>What one sweep removed under the retention settings; <see cref="BacklogLeft"/> when a batch was full (more is due next run).</summary>
public sealed record RetentionResult(int JobsRemoved, int ArtifactsRemoved, int IdempotencyKeysRemoved, bool BacklogLeft);

/// <summary>
/// The retention part of the sweep: finished jobs past <see cref="RetentionOptions.JobDays"/> with their orchestration
/// history, artifacts past <see cref="RetentionOptions.ArtifactDays"/> with their blobs and children, idempotency keys
/// past their hours, each at most <see cref="RetentionOptions.BatchSize"/> a run. Pending and running jobs are never
/// candidates: only records that say completed, failed or canceled, with a finish time before the limit.
/// </summary>
public sealed class RetentionSweep(JobStore jobs, JobOutputStore outputs, ArtifactStore artifacts, IdempotencyStore keys, IOptions<RetentionOptions> options)
{
    /// <summary>Storage calls in flight at once while removing (each removal is a few independent calls).</summary>
    public const int Parallelism = 16;

    /// <summary>Removes what is due at <paramref name="now"/> (the sweep's clock).</summary>
    public async Task<RetentionResult> RunAsync(DurableTaskClient client, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var settings = options.Value;
        var max = settings.BatchSize;
        var backlog = false;

        var jobsRemoved = 0;
        if (settings.JobDays > 0)
        {
            var due = await jobs.FindFinishedBeforeAsync(now.AddDays(-settings.JobDays), max, cancellationToken);
            backlog |= due.Count >= max;
            await Parallel.ForEachAsync(due, Options(cancellationToken), async (jobId, ct) =>
            {
                // History and logs first: a record without them is still found next run; they without a record would never be.
                await client.PurgeInstanceAsync(jobId, cancellation: ct);
                await outputs.DeleteAsync(jobId, ct);
                if (await jobs.DeleteAsync(jobId, ct))
                {
                    Interlocked.Increment(ref jobsRemoved);
                }
            });
        }

        var artifactsRemoved = 0;
        if (settings.ArtifactDays > 0)
        {
            var (removed, full) = await artifacts.RemoveCreatedBeforeAsync(now.AddDays(-settings.ArtifactDays), max, Parallelism, cancellationToken);
            artifactsRemoved = removed;
            backlog |= full;
        }

        var keysRemoved = await keys.DeleteExpiredAsync(now, max, Parallelism, cancellationToken);
        backlog |= keysRemoved >= max;
        return new RetentionResult(jobsRemoved, artifactsRemoved, keysRemoved, backlog);
    }

    private static ParallelOptions Options(CancellationToken cancellationToken) =>
        new() { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken };
}
