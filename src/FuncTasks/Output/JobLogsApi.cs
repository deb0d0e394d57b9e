using FuncTasks.Api;
using FuncTasks.Jobs;
using FuncTasks.Tasks;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;

namespace FuncTasks.Output;

/// <summary>
/// <c>GET /api/v1/jobs/{id}/$logs</c>: a job's output as plain text, whole, from a byte (<c>Range</c>), or followed
/// (<c>?follow=true</c>) until the job has finished and all of it is written.
/// </summary>
public sealed class JobLogsApi(JobStore jobs, JobOutputStore outputs, JobLogReader reader, IOptions<StreamOptions> stream, TimeProvider clock)
{
    public const string TextContentType = "text/plain; charset=utf-8";

    /// <summary>What one read of the log sends at most before it looks again.</summary>
    private const int ChunkBytes = 1 << 20;

    [Function("GetJobLogs")]
    public async Task<IResult> Logs(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "v1/jobs/{id}/$logs")] HttpRequest request,
        string id,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var jobId = UlidIds.Parse(id, "id");
        var kind = QueryFilters.One(request.Query, "stream") switch
        {
            null => LogKind.Combined,
            "stdout" => LogKind.Stdout,
            "stderr" => LogKind.Stderr,
            _ => throw Refusals.Validation("stream", "must be stdout or stderr"),
        };
        var follow = QueryFilters.Boolean(request.Query, "follow") ?? false;
        var range = ByteRange.Parse(request.Headers.Range.Count == 0 ? null : request.Headers.Range.ToString());
        if (follow && range is { IsOpenEnded: false })
        {
            throw Refusals.InvalidRange("With follow=true the range says where the output starts: send 'Range: bytes=N-'.");
        }

        var job = await jobs.GetAsync(jobId, cancellationToken) ?? throw Refusals.NotFound("job", jobId);
        if (kind != LogKind.Combined && job.TaskType != TaskType.Shell)
        {
            throw Refusals.Validation("stream", "only a shell job has stdout and stderr; a function job's log is one (leave stream out)");
        }

        if (follow)
        {
            return new FollowResult(reader, reader.Open(jobId, kind, range?.First ?? 0), stream.Value, clock);
        }

        var state = await outputs.GetStateAsync(jobId, kind, cancellationToken);
        if (range is not { } asked)
        {
            return new TextResult(outputs, jobId, kind, StatusCodes.Status200OK, 0, state.Length, null);
        }

        var (first, last) = asked.Resolve(state.Length);
        return new TextResult(outputs, jobId, kind, StatusCodes.Status206PartialContent, first, last - first + 1, $"bytes {first}-{last}/{state.Length}");
    }

    private static void TextHeaders(HttpResponse response, int status)
    {
        response.StatusCode = status;
        response.ContentType = TextContentType;
        response.Headers.AcceptRanges = "bytes";
        response.Headers.CacheControl = "no-cache";
    }

    /// <summary>A fixed part of the log: all of it as it is now (200), or a range of it (206).</summary>
    private sealed class TextResult(JobOutputStore outputs, string jobId, LogKind kind, int status, long offset, long count, string? contentRange) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            ArgumentNullException.ThrowIfNull(httpContext);
            var response = httpContext.Response;
            TextHeaders(response, status);
            response.ContentLength = count;
            if (contentRange is not null)
            {
                response.Headers.ContentRange = contentRange;
            }

            if (count > 0)
            {
                await using var content = await outputs.OpenReadAsync(jobId, kind, offset, count, httpContext.RequestAborted);
                await content.CopyToAsync(response.Body, httpContext.RequestAborted);
            }
        }
    }

    /// <summary>
    /// The log as it grows: each new piece is written and flushed as soon as it is read from storage; the response ends
    /// when the log is done, when the client goes away, or at the stream's maximum duration (the client reconnects with
    /// <c>Range: bytes=N-</c>, N being the bytes it has).
    /// </summary>
    private sealed class FollowResult(JobLogReader reader, LogCursor cursor, StreamOptions options, TimeProvider clock) : IResult
    {
        public async Task ExecuteAsync(HttpContext httpContext)
        {
            ArgumentNullException.ThrowIfNull(httpContext);
            var response = httpContext.Response;
            TextHeaders(response, StatusCodes.Status200OK);
            response.Headers["X-Accel-Buffering"] = "no";
            using var maxDuration = new CancellationTokenSource(TimeSpan.FromSeconds(options.MaxDurationSeconds), clock);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(httpContext.RequestAborted, maxDuration.Token);
            try
            {
                await response.StartAsync(stop.Token);
                while (true)
                {
                    var (chunk, state) = await cursor.ReadAsync(ChunkBytes, stop.Token);
                    if (chunk.Length > 0)
                    {
                        await response.Body.WriteAsync(chunk, stop.Token);
                        await response.Body.FlushAsync(stop.Token);
                        if (state.Length > cursor.Offset)
                        {
                            continue;
                        }
                    }
                    else if (await reader.IsDoneAsync(cursor.JobId, state, stop.Token))
                    {
                        return;
                    }

                    await Task.Delay(TimeSpan.FromMilliseconds(options.PollMilliseconds), clock, stop.Token);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // The client went away, or the stream reached its maximum duration.
            }
        }
    }
}
