using System.Buffers;
using System.Text;
using FuncTasks.Execution;
using Microsoft.Extensions.Logging;

namespace FuncTasks.Output;

/// <summary>
/// The live log of one attempt of a job, as it happens: a shell command's stdout and stderr (each its own blob, and
/// both, line by line in the order they were written, in the combined one), or a task function's log lines. What is
/// written goes to storage every flush interval (at most a second) from a loop of its own, so readers on any instance
/// see it while the job runs and a worker that dies loses at most the last interval. Writes never wait for storage;
/// memory stays bounded (<see cref="StagedLog"/>); each blob keeps at most <c>LogMaxBytes</c>.
/// </summary>
public sealed class JobOutputWriter : ILiveOutput, IAsyncDisposable
{
    /// <summary>A line longer than this goes to the combined log before its end arrives.</summary>
    private const int MaxPendingLine = 64 * 1024;

    private readonly object sync = new();
    private readonly string jobId;
    private readonly StagedLog combined;
    private readonly StreamInput? stdout;
    private readonly StreamInput? stderr;
    private readonly StagedLog[] logs;
    private readonly ILogger logger;
    private readonly CancellationTokenSource stopFlushing = new();
    private readonly Task flushing;
    private bool completed;
    private int failures;

    internal JobOutputWriter(string jobId, StagedLog combined, StagedLog? stdoutLog, StagedLog? stderrLog, TimeSpan flushInterval, TimeProvider clock, ILogger logger)
    {
        this.jobId = jobId;
        this.combined = combined;
        this.logger = logger;
        if (stdoutLog is not null && stderrLog is not null)
        {
            stdout = new StreamInput(this, stdoutLog);
            stderr = new StreamInput(this, stderrLog);
            logs = [combined, stdoutLog, stderrLog];
        }
        else
        {
            logs = [combined];
        }

        flushing = FlushLoopAsync(flushInterval, clock);
    }

    /// <summary>Where a shell command's stdout goes as it is read (shell jobs only).</summary>
    public Stream Stdout => stdout ?? throw new InvalidOperationException("A function job's log has no stdout.");

    /// <summary>Where a shell command's stderr goes as it is read (shell jobs only).</summary>
    public Stream Stderr => stderr ?? throw new InvalidOperationException("A function job's log has no stderr.");

    /// <summary>Adds a line to the log (a task function's log message or progress; notes of the app).</summary>
    public void WriteLine(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var bytes = Encoding.UTF8.GetBytes(line.EndsWith('\n') ? line : line + "\n");
        lock (sync)
        {
            if (!completed)
            {
                combined.Append(bytes);
            }
        }
    }

    /// <summary>
    /// Ends the log: stops the flush loop, sends everything that is left, notes what the cap dropped, and marks each
    /// blob complete so followers know the end. Storage errors here are logged, never thrown: the job's end does not
    /// depend on its log.
    /// </summary>
    public async Task CompleteAsync()
    {
        lock (sync)
        {
            if (completed)
            {
                return;
            }

            stdout?.Finish();
            stderr?.Finish();
            completed = true;
            foreach (var log in logs.Where(l => l.Dropped > 0))
            {
                log.AppendNote($"[functasks] {log.Dropped} bytes of output were dropped from this log past its limit\n");
            }
        }

        await stopFlushing.CancelAsync();
        await flushing;
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            try
            {
                await UploadAllAsync(CancellationToken.None);
                await Task.WhenAll(logs.Select(l => l.SealAsync(CancellationToken.None)));
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                logger.LogUploadFailed(ex, jobId);
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await CompleteAsync();
        stopFlushing.Dispose();
        foreach (var log in logs)
        {
            log.Dispose();
        }
    }

    private async Task FlushLoopAsync(TimeSpan interval, TimeProvider clock)
    {
        await Task.Yield();
        using var timer = new PeriodicTimer(interval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stopFlushing.Token))
            {
                lock (sync)
                {
                    // A line still without its end shows now rather than when it ends.
                    stdout?.MovePendingLine();
                    stderr?.MovePendingLine();
                }

                try
                {
                    // Not canceled midway by the end: an append that storage took but whose answer was cut off would be sent twice.
                    await UploadAllAsync(CancellationToken.None);
                    failures = 0;
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Kept waiting; the next tick sends it. Log the first of a run of failures only.
                    if (failures++ == 0)
                    {
                        logger.LogUploadFailed(ex, jobId);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stopFlushing.IsCancellationRequested)
        {
            // Completed: CompleteAsync sends the rest.
        }
    }

    private async Task UploadAllAsync(CancellationToken cancellationToken)
    {
        foreach (var log in logs)
        {
            await log.UploadAsync(sync, cancellationToken);
        }
    }

    /// <summary>
    /// One of a command's streams as the pipe delivers it: made valid UTF-8, kept whole in its own log, and given to the
    /// combined log by complete lines (the rest of a line waits for its end, or for the next flush), so a line of
    /// stdout and one of stderr never mix.
    /// </summary>
    private sealed class StreamInput(JobOutputWriter writer, StagedLog own) : Stream
    {
        private readonly Utf8Sanitizer sanitizer = new();
        private readonly ArrayBufferWriter<byte> pendingLine = new();

        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            lock (writer.sync)
            {
                if (!writer.completed)
                {
                    Accept(sanitizer.Sanitize(buffer));
                }
            }
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Write(buffer.AsSpan(offset, count));
            return Task.CompletedTask;
        }

        /// <summary>Under the writer's lock: the held line goes to the combined log as it is.</summary>
        public void MovePendingLine()
        {
            if (pendingLine.WrittenCount > 0)
            {
                writer.combined.Append(pendingLine.WrittenSpan);
                pendingLine.Clear();
            }
        }

        /// <summary>Under the writer's lock, once at the end: what the sanitizer held, then the last line.</summary>
        public void Finish()
        {
            Accept(sanitizer.Finish());
            MovePendingLine();
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();

        private void Accept(ReadOnlySpan<byte> text)
        {
            if (text.IsEmpty)
            {
                return;
            }

            own.Append(text);
            var lastNewline = text.LastIndexOf((byte)'\n');
            if (lastNewline < 0)
            {
                pendingLine.Write(text);
                if (pendingLine.WrittenCount >= MaxPendingLine)
                {
                    MovePendingLine();
                }

                return;
            }

            MovePendingLine();
            writer.combined.Append(text[..(lastNewline + 1)]);
            pendingLine.Write(text[(lastNewline + 1)..]);
        }
    }
}
