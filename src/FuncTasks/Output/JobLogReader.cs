using FuncTasks.Jobs;

namespace FuncTasks.Output;

/// <summary>
/// Reads a job's log as it grows, for <c>$logs?follow=true</c> and <c>$stream?output=true</c>: what has reached storage
/// since the last read, and whether the log is done (the job has finished and its writer has completed the log).
/// </summary>
public sealed class JobLogReader(JobOutputStore outputs, JobStore jobs, TimeProvider clock)
{
    /// <summary>
    /// A log whose job has finished but whose writer never completed it (its worker died; the sweep ended the job) is
    /// taken as done this long after the job's end.
    /// </summary>
    public static readonly TimeSpan UncompletedGrace = TimeSpan.FromSeconds(10);

    /// <summary>A cursor on one log of a job, from byte <paramref name="offset"/>.</summary>
    public LogCursor Open(string jobId, LogKind kind, long offset = 0) => new(outputs, jobId, kind, offset);

    /// <summary>Whether the log has all it will ever have, given its state as just read: the job is gone or finished, and the log complete.</summary>
    public async Task<bool> IsDoneAsync(string jobId, LogState state, CancellationToken cancellationToken)
    {
        if (await jobs.GetAsync(jobId, cancellationToken) is not { } job)
        {
            return true; // deleted, its logs with it
        }

        return job.IsFinished && (state.Complete
            || (!state.Exists && job.StartedAt is null)
            || clock.GetUtcNow() - (job.FinishedAt ?? clock.GetUtcNow()) >= UncompletedGrace);
    }
}

/// <summary>A position in one of a job's logs; <see cref="ReadAsync"/> returns what came after it and moves on.</summary>
public sealed class LogCursor(JobOutputStore outputs, string jobId, LogKind kind, long offset)
{
    public string JobId => jobId;

    public LogKind Kind => kind;

    public long Offset { get; private set; } = offset;

    /// <summary>Up to <paramref name="maxBytes"/> bytes from the cursor (empty when nothing new is there), and the log's state as read.</summary>
    public async Task<(byte[] Chunk, LogState State)> ReadAsync(int maxBytes, CancellationToken cancellationToken)
    {
        var state = await outputs.GetStateAsync(jobId, kind, cancellationToken);
        if (state.Length <= Offset)
        {
            return ([], state);
        }

        var count = (int)Math.Min(maxBytes, state.Length - Offset);
        var chunk = new byte[count];
        await using (var content = await outputs.OpenReadAsync(jobId, kind, Offset, count, cancellationToken))
        {
            await content.ReadExactlyAsync(chunk, cancellationToken);
        }

        Offset += count;
        return (chunk, state with { Complete = state.Complete && Offset >= state.Length });
    }
}
