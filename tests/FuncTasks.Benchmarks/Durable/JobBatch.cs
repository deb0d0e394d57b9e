using System.Diagnostics;

using FuncTasks.Testing;

namespace FuncTasks.Benchmarks.Durable;

/// <summary>A batch of jobs submitted at once, as their records tell it afterwards.</summary>
internal sealed record JobBatch(
    string Label,
    int Jobs,
    DateTimeOffset SubmitStarted,
    TimeSpan SubmitDuration,
    IReadOnlyList<JobRecord> Records)
{
    /// <summary>From the first POST to the last job's finished_at.</summary>
    public TimeSpan Makespan => Records.Max(r => r.FinishedAt!.Value) - SubmitStarted;

    public double JobsPerSecond => Jobs / Makespan.TotalSeconds;

    /// <summary>The most jobs the records show running at the same moment (started_at..finished_at intervals).</summary>
    public int MaxOverlap => JobRecords.PeakRunning(Records);

    /// <summary>Average number of jobs running over the makespan (sum of run times / makespan).</summary>
    public double MeanRunning => Records.Sum(r => (r.FinishedAt!.Value - r.StartedAt!.Value).TotalSeconds) / Makespan.TotalSeconds;

    public double[] Waits => [.. Records.Select(r => (r.StartedAt!.Value - r.SubmittedAt).TotalMilliseconds)];

    public double[] RunTimes => [.. Records.Select(r => (r.FinishedAt!.Value - r.StartedAt!.Value).TotalMilliseconds)];

    /// <summary>
    /// Submits <paramref name="jobs"/> executions of the task at once (all POSTs in flight together), waits until the
    /// app's job table has nothing pending or running, and reads the records of the batch; each must have completed
    /// with an artifact.
    /// </summary>
    public static async Task<JobBatch> RunAsync(BenchApp app, string taskId, int jobs, string body, CancellationToken ct, TimeSpan? timeout = null)
    {
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var ids = await Task.WhenAll(Enumerable.Range(0, jobs).Select(_ => app.ExecuteAsync(taskId, body, ct)));
        var submitted = clock.Elapsed;
        Harness.BenchmarkContext.Progress($"{app.Label}: {jobs} jobs accepted in {submitted.TotalSeconds:0.0} s");
        await app.WaitUntilAllFinishedAsync(TimeSpan.FromMilliseconds(500), timeout ?? TimeSpan.FromMinutes(10), ct);
        var wanted = ids.ToHashSet(StringComparer.Ordinal);
        var records = (await app.ListJobsAsync(ct)).Where(r => wanted.Contains(r.Id)).ToList();
        if (records.Count != jobs)
        {
            throw new InvalidOperationException($"{app.Label}: {records.Count} of the {jobs} jobs are listed");
        }

        var bad = records.Where(r => r.Status != "completed" || r.ArtifactId is null || r.StartedAt is null || r.FinishedAt is null).ToList();
        if (bad.Count > 0)
        {
            throw new InvalidOperationException($"{app.Label}: {bad.Count} jobs did not complete with an artifact, e.g. {bad[0]}");
        }

        return new JobBatch(app.Label, jobs, started, submitted, records);
    }
}
