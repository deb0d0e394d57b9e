using FuncTasks.Artifacts;
using FuncTasks.Idempotency;
using FuncTasks.Jobs;
using FuncTasks.Output;
using FuncTasks.Storage;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;

namespace FuncTasks.Maintenance;

/// <summary>
/// What one sweep removed under the retention settings; <see cref="BacklogLeft"/> when more may be due next run (a batch
/// was full, or the run's time was up).
/// </summary>
public sealed record RetentionResult(int JobsRemoved, int ArtifactsRemoved, int IdempotencyKeysRemoved, bool BacklogLeft);

/// <summary>
/// The retention part of the sweep: finished jobs past <see cref="RetentionOptions.JobDays"/> with their orchestration
/// history, artifacts past <see cref="RetentionOptions.ArtifactDays"/> with their blobs and children, idempotency keys
/// past their hours, each at most <see cref="RetentionOptions.BatchSize"/> a run, jobs and artifacts in chunks of 100
/// (one table transaction each) for at most <see cref="RetentionOptions.RunSeconds"/>. Pending and running jobs are
/// never candidates: only records that say completed, failed or canceled, with a finish time before the limit.
/// </summary>
public sealed class RetentionSweep(
    JobStore jobs, JobOutputStore outputs, ArtifactStore artifacts, IdempotencyStore keys, IOptions<RetentionOptions> options, TimeProvider clock)
{
    /// <summary>Storage calls in flight at once while removing (each removal is a few independent calls).</summary>
    public const int Parallelism = 16;

    /// <summary>Removes what is due at <paramref name="now"/> (the sweep's clock).</summary>
    public async Task<RetentionResult> RunAsync(DurableTaskClient client, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var settings = options.Value;
        var max = settings.BatchSize;
        var started = clock.GetTimestamp();
        var budget = TimeSpan.FromSeconds(settings.RunSeconds);

        // Jobs may use the first half of the run's time, so a job backlog never starves the artifacts.
        var (jobsRemoved, jobsLeft) = settings.JobDays > 0
            ? await RemoveJobsAsync(client, now.AddDays(-settings.JobDays), max, () => clock.GetElapsedTime(started) >= budget / 2, cancellationToken)
            : (0, false);

        var (artifactsRemoved, artifactsLeft) = settings.ArtifactDays > 0
            ? await artifacts.RemoveCreatedBeforeAsync(now.AddDays(-settings.ArtifactDays), max, Parallelism,
                () => clock.GetElapsedTime(started) >= budget, cancellationToken)
            : (0, false);

        var keysRemoved = await keys.DeleteExpiredAsync(now, max, Parallelism, cancellationToken);
        return new RetentionResult(jobsRemoved, artifactsRemoved, keysRemoved, jobsLeft || artifactsLeft || keysRemoved >= max);
    }

    private async Task<(int Removed, bool More)> RemoveJobsAsync(
        DurableTaskClient client, DateTimeOffset cutoff, int max, Func<bool> outOfTime, CancellationToken cancellationToken)
    {
        var due = await jobs.FindFinishedBeforeAsync(cutoff, max, cancellationToken);
        var removed = 0;
        var chunks = due.Chunk(TableDeletes.MaxPerTransaction).ToList();
        for (var i = 0; i < chunks.Count; i++)
        {
            if (i > 0 && outOfTime())
            {
                return (removed, true);
            }

            // History and logs first: a record without them is still found next run; they without a record would never be.
            await Parallel.ForEachAsync(chunks[i], new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = cancellationToken },
                async (jobId, ct) =>
                {
                    await client.PurgeInstanceAsync(jobId, cancellation: ct);
                    await outputs.DeleteAsync(jobId, ct);
                });
            removed += await jobs.DeleteAllAsync(chunks[i], cancellationToken);
        }

        return (removed, due.Count >= max);
    }
}
