using System.ComponentModel.DataAnnotations;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using FuncTasks.Api;
using FuncTasks.Output;
using FuncTasks.Tasks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace FuncTasks.Jobs;

/// <summary>How the job stream follows a job (section <c>FuncTasks:Stream</c>).</summary>
public sealed class StreamOptions
{
    public const string Section = "FuncTasks:Stream";

    /// <summary>How often the job record is read for changes.</summary>
    [Range(50, 10_000)]
    public int PollMilliseconds { get; set; } = 250;

    /// <summary>A comment line is sent when nothing else was for this long (the contract: at most 15 s).</summary>
    [Range(1, 15)]
    public int KeepAliveSeconds { get; set; } = 15;

    /// <summary>The stream closes after this long even if the job is still going; a client reconnects.</summary>
    [Range(10, 86_400)]
    public int MaxDurationSeconds { get; set; } = 3600;
}

/// <summary>
/// Server-Sent Events for one job: the job as it is now, then an <c>event: job</c> at every change of
/// status or progress, a comment as keep-alive, and the end after the terminal state. It follows the
/// job record, so it sees changes made on any instance.
/// </summary>
/// <remarks>
/// The events go out through <see cref="TypedResults.ServerSentEvents{T}(IAsyncEnumerable{SseItem{T}})"/>, which
/// frames them, sets the headers and flushes each one. Their data is JSON written here with the API's options (the
/// result would serialize any other type with the host's). The contract's keep-alive is a comment line, and that is
/// the one thing the result cannot write: an <see cref="SseItem{T}"/> always becomes an event with a <c>data:</c>
/// field, which clients would receive as an event. So the event source writes the comment on the response itself
/// while the result waits for its next item: the formatter has written and flushed every event before it asks for
/// the next and writes nothing until it gets it, so the two never write at once.
/// </remarks>
public sealed class JobStreamWriter(JobStore jobs, JobLogReader logs, IOptions<StreamOptions> options, TimeProvider clock)
{
    private static readonly byte[] KeepAliveComment = ": keep-alive\n\n"u8.ToArray();

    /// <summary>Text an output event carries at most.</summary>
    private const int OutputEventBytes = 64 * 1024;

    /// <summary>The stream of <paramref name="job"/> as the trigger's result; with <paramref name="output"/>, its output events too.</summary>
    public IResult Open(Job job, bool output, CancellationToken cancellationToken) => new JobStreamResult(this, job, output, cancellationToken);

    private async IAsyncEnumerable<SseItem<string>> EventsAsync(
        HttpResponse response, Job job, bool output, CancellationToken cancellationToken, [EnumeratorCancellation] CancellationToken requestAborted = default)
    {
        using var maxDuration = new CancellationTokenSource(TimeSpan.FromSeconds(options.Value.MaxDurationSeconds), clock);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, requestAborted, maxDuration.Token);
        var keepAlive = TimeSpan.FromSeconds(options.Value.KeepAliveSeconds);
        var outputs = output ? OutputReader.For(logs, job) : [];

        yield return JobEvent(job);
        var lastSent = clock.GetTimestamp();
        if (job.IsFinished)
        {
            await foreach (var item in OutputEventsAsync(outputs, untilDone: true, stop.Token))
            {
                yield return item;
            }
        }

        while (!job.IsFinished)
        {
            var (stopped, current) = await NextAsync(job.Id, stop.Token);
            if (stopped)
            {
                yield break;
            }

            if (current is null)
            {
                yield return new SseItem<string>(JsonSerializer.Serialize(new { id = job.Id }, ApiJson.Options), "deleted");
                yield break;
            }

            // The output so far comes before the change that follows it; a finished job's all of it, before its last event.
            await foreach (var item in OutputEventsAsync(outputs, untilDone: current.IsFinished, stop.Token))
            {
                yield return item;
                lastSent = clock.GetTimestamp();
            }

            if (current.Status != job.Status || current.Progress != job.Progress)
            {
                yield return JobEvent(current);
                lastSent = clock.GetTimestamp();
            }
            else if (clock.GetElapsedTime(lastSent) >= keepAlive)
            {
                if (!await TryWriteKeepAliveAsync(response, stop.Token))
                {
                    yield break;
                }

                lastSent = clock.GetTimestamp();
            }

            job = current;
        }
    }

    private static SseItem<string> JobEvent(Job job) => new(JsonSerializer.Serialize(job, ApiJson.Options), "job");

    /// <summary>
    /// The output that has reached storage since the last call, as <c>output</c> events; with <paramref name="untilDone"/>,
    /// it keeps reading until each log is done (the job's writer completed it). Stopped quietly when the stream stops.
    /// </summary>
    private async IAsyncEnumerable<SseItem<string>> OutputEventsAsync(OutputReader[] outputs, bool untilDone, [EnumeratorCancellation] CancellationToken stop)
    {
        foreach (var reader in outputs)
        {
            while (true)
            {
                var (text, more, done) = await reader.NextAsync(logs, OutputEventBytes, stop);
                if (text is null)
                {
                    yield break; // stopped
                }

                if (text.Length > 0)
                {
                    yield return new SseItem<string>(JsonSerializer.Serialize(new OutputEvent(reader.Name, text), ApiJson.Options), "output");
                }

                if (more || (untilDone && !done && await DelayAsync(stop)))
                {
                    continue;
                }

                break;
            }
        }
    }

    private async Task<bool> DelayAsync(CancellationToken stop)
    {
        try
        {
            await Task.Delay(TimeSpan.FromMilliseconds(options.Value.PollMilliseconds), clock, stop);
            return true;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>The job's record after the poll interval; stopped when the client went away or the stream reached its maximum duration.</summary>
    private async Task<(bool Stopped, Job? Current)> NextAsync(string jobId, CancellationToken stop)
    {
        try
        {
            await Task.Delay(TimeSpan.FromMilliseconds(options.Value.PollMilliseconds), clock, stop);
            return (false, await jobs.GetAsync(jobId, stop));
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return (true, null);
        }
    }

    private static async Task<bool> TryWriteKeepAliveAsync(HttpResponse response, CancellationToken stop)
    {
        try
        {
            await response.Body.WriteAsync(KeepAliveComment, stop);
            await response.Body.FlushAsync(stop);
            return true;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>The data of an <c>output</c> event.</summary>
    private sealed record OutputEvent(string Stream, string Text);

    /// <summary>One log of the job read as text: a character split between two reads is decoded once both halves are in.</summary>
    private sealed class OutputReader(string name, LogCursor cursor)
    {
        private readonly Decoder decoder = new UTF8Encoding(false).GetDecoder();

        public string Name => name;

        /// <summary>A shell job's stdout and stderr, or a function job's lines (<c>log</c>).</summary>
        public static OutputReader[] For(JobLogReader logs, Job job) => job.TaskType == TaskType.Shell
            ? [new("stdout", logs.Open(job.Id, LogKind.Stdout)), new("stderr", logs.Open(job.Id, LogKind.Stderr))]
            : [new("log", logs.Open(job.Id, LogKind.Combined))];

        /// <summary>The next text (null when stopped), whether more is there already, and whether the log is done.</summary>
        public async Task<(string? Text, bool More, bool Done)> NextAsync(JobLogReader logs, int maxBytes, CancellationToken stop)
        {
            try
            {
                var (chunk, state) = await cursor.ReadAsync(maxBytes, stop);
                var chars = new char[decoder.GetCharCount(chunk, flush: false)];
                decoder.GetChars(chunk, chars, flush: false);
                var more = state.Length > cursor.Offset;
                var done = !more && chunk.Length == 0 && await logs.IsDoneAsync(cursor.JobId, state, stop);
                return (new string(chars), more, done);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return (null, false, true);
            }
        }
    }

    /// <summary>The framework's stream with a hint for proxies not to buffer it, ending quietly when the client goes away.</summary>
    private sealed class JobStreamResult(JobStreamWriter writer, Job job, bool output, CancellationToken cancellationToken) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            ArgumentNullException.ThrowIfNull(httpContext);
            httpContext.Response.Headers["X-Accel-Buffering"] = "no";
            var events = TypedResults.ServerSentEvents(writer.EventsAsync(httpContext.Response, job, output, cancellationToken));
            try
            {
                await events.ExecuteAsync(httpContext);
            }
            catch (OperationCanceledException) when (httpContext.RequestAborted.IsCancellationRequested)
            {
                // The client went away while an event was being written.
            }
        }
    }
}
