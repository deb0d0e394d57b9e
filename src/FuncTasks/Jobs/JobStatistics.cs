using FuncTasks.Api;

namespace FuncTasks.Jobs;

/// <summary>The answer of <c>GET /api/v1/jobs/$stats</c>: the jobs submitted from <c>since</c> to <c>until</c>.</summary>
public sealed record JobStats(
    DateTimeOffset Since,
    DateTimeOffset Until,
    JobStatusCounts Counts,
    IReadOnlyList<MinuteCounts> PerMinute,
    DurationPercentiles DurationMs);

public sealed record JobStatusCounts(int Pending, int Running, int Completed, int Failed, int Canceled);

/// <summary>The jobs that ended in one minute (from <see cref="Minute"/>, inclusive, for 60 s).</summary>
public sealed record MinuteCounts(DateTimeOffset Minute, int Completed, int Failed, int Canceled);

/// <summary>Run times in milliseconds (<c>started_at</c> to <c>finished_at</c>); null when no job of the window ran to its end.</summary>
public sealed record DurationPercentiles(long? P50, long? P95, long? Max);

/// <summary>What the statistics read of a job record: its status and its times.</summary>
public readonly record struct JobTimes(JobStatus Status, DateTimeOffset SubmittedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt)
{
    public bool IsFinished => Status is JobStatus.Completed or JobStatus.Failed or JobStatus.Canceled;
}

/// <summary>
/// Job statistics over a window of submission times. The window is checked here (<see cref="Window"/>) and read by
/// <see cref="JobStore.ReadSubmittedSinceAsync"/>, which reads only the jobs of that window (see there);
/// <see cref="Compute"/> is the arithmetic.
/// </summary>
public sealed class JobStatistics(JobStore jobs, TimeProvider clock)
{
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromHours(1);
    public static readonly TimeSpan LongestWindow = TimeSpan.FromDays(7);

    /// <summary>A <c>since</c> computed by a client as "7 days ago" arrives a little later than that; this much more is let through.</summary>
    public static readonly TimeSpan Grace = TimeSpan.FromMinutes(1);

    public async Task<JobStats> ComputeAsync(string? since, CancellationToken cancellationToken)
    {
        var until = Timestamps.Now(clock);
        var from = Window(since, until);
        var window = new List<JobTimes>();
        await foreach (var job in jobs.ReadSubmittedSinceAsync(from, cancellationToken))
        {
            if (job.SubmittedAt <= until)
            {
                window.Add(job);
            }
        }

        return Compute(from, until, window);
    }

    /// <summary>The start of the window: <paramref name="since"/> (RFC 3339, at most 7 days back, not after now), or an hour ago.</summary>
    public static DateTimeOffset Window(string? since, DateTimeOffset until)
    {
        if (since is null)
        {
            return until - DefaultWindow;
        }

        // A '+' in a query string that was not percent-encoded arrives as a space: read "…T10:00:00 01:00" as "+01:00".
        var text = since.Length > 6 && since[^6] == ' ' ? string.Concat(since.AsSpan(0, since.Length - 6), "+", since.AsSpan(since.Length - 5)) : since;
        if (!Timestamps.TryParseRfc3339(text, out var value))
        {
            throw Refusals.Validation("since", "must be an RFC 3339 timestamp with an offset, e.g. 2026-12-01T02:00:00Z (percent-encode a '+' as %2B)");
        }

        var from = value.ToUniversalTime();
        from = new DateTimeOffset(from.Ticks - (from.Ticks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
        if (from > until)
        {
            throw Refusals.Validation("since", "must not be later than now");
        }

        if (from < until - LongestWindow - Grace)
        {
            throw Refusals.Validation("since", $"must be at most {LongestWindow.TotalDays:0} days back");
        }

        return from;
    }

    /// <summary>Counts by status, the jobs ended per minute (by <c>finished_at</c>), and run-time percentiles (nearest rank).</summary>
    public static JobStats Compute(DateTimeOffset since, DateTimeOffset until, IEnumerable<JobTimes> window)
    {
        ArgumentNullException.ThrowIfNull(window);
        var first = Floor(since);
        var minutes = (int)((Floor(until) - first).Ticks / TimeSpan.TicksPerMinute) + 1;
        var ended = new int[minutes, 3];
        var byStatus = new int[5];
        var durations = new List<long>();
        foreach (var job in window)
        {
            byStatus[Slot(job.Status)]++;
            if (job.FinishedAt is not { } finished || !job.IsFinished)
            {
                continue;
            }

            var minute = (int)((Floor(finished) - first).Ticks / TimeSpan.TicksPerMinute);
            if (minute >= 0 && minute < minutes)
            {
                ended[minute, Slot(job.Status) - Slot(JobStatus.Completed)]++;
            }

            if (job.StartedAt is { } started)
            {
                durations.Add((long)Math.Max(0, (finished - started).TotalMilliseconds));
            }
        }

        var perMinute = new MinuteCounts[minutes];
        for (var i = 0; i < minutes; i++)
        {
            perMinute[i] = new MinuteCounts(first.AddMinutes(i), ended[i, 0], ended[i, 1], ended[i, 2]);
        }

        durations.Sort();
        var counts = new JobStatusCounts(byStatus[0], byStatus[1], byStatus[2], byStatus[3], byStatus[4]);
        return new JobStats(since, until, counts, perMinute,
            new DurationPercentiles(NearestRank(durations, 0.50), NearestRank(durations, 0.95), durations.Count == 0 ? null : durations[^1]));
    }

    /// <summary>The status's place in the counts: pending, running, then the three endings in the order the answer lists them.</summary>
    private static int Slot(JobStatus status) => status switch
    {
        JobStatus.Pending => 0,
        JobStatus.Running => 1,
        JobStatus.Completed => 2,
        JobStatus.Failed => 3,
        JobStatus.Canceled => 4,
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    private static long? NearestRank(List<long> sorted, double quantile) =>
        sorted.Count == 0 ? null : sorted[Math.Max(0, (int)Math.Ceiling(quantile * sorted.Count) - 1)];

    private static DateTimeOffset Floor(DateTimeOffset time) => new(time.UtcTicks - (time.UtcTicks % TimeSpan.TicksPerMinute), TimeSpan.Zero);
}
