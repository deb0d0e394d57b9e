using System.ComponentModel.DataAnnotations;
using System.Text;
using System.Text.Json;
using FuncTasks.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
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
public sealed class JobStreamWriter(JobStore jobs, IOptions<StreamOptions> options, TimeProvider clock)
{
    public async Task WriteAsync(HttpContext context, Job job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, context.RequestAborted);
        stop.CancelAfter(TimeSpan.FromSeconds(options.Value.MaxDurationSeconds));
        var poll = TimeSpan.FromMilliseconds(options.Value.PollMilliseconds);
        var keepAlive = TimeSpan.FromSeconds(options.Value.KeepAliveSeconds);
        try
        {
            await SendJobAsync(response, job, stop.Token).ConfigureAwait(false);
            var lastSent = clock.GetTimestamp();
            while (!job.IsFinished)
            {
                await Task.Delay(poll, clock, stop.Token).ConfigureAwait(false);
                var current = await jobs.GetAsync(job.Id, stop.Token).ConfigureAwait(false);
                if (current is null)
                {
                    await WriteAsync(response, "event: deleted\ndata: {\"id\":\"" + job.Id + "\"}\n\n", stop.Token).ConfigureAwait(false);
                    return;
                }

                if (current.Status != job.Status || current.Progress != job.Progress)
                {
                    await SendJobAsync(response, current, stop.Token).ConfigureAwait(false);
                    lastSent = clock.GetTimestamp();
                }
                else if (clock.GetElapsedTime(lastSent) >= keepAlive)
                {
                    await WriteAsync(response, ": keep-alive\n\n", stop.Token).ConfigureAwait(false);
                    lastSent = clock.GetTimestamp();
                }

                job = current;
            }
        }
        catch (OperationCanceledException)
        {
            // The client went away, or the stream reached its maximum duration.
        }
    }

    private static Task SendJobAsync(HttpResponse response, Job job, CancellationToken cancellationToken) =>
        WriteAsync(response, $"event: job\ndata: {JsonSerializer.Serialize(job, ApiJson.Options)}\n\n", cancellationToken);

    private static async Task WriteAsync(HttpResponse response, string text, CancellationToken cancellationToken)
    {
        await response.Body.WriteAsync(Encoding.UTF8.GetBytes(text), cancellationToken).ConfigureAwait(false);
        await response.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
    }
}

/// <summary>For triggers that wrote their response themselves (a stream).</summary>
public sealed class AlreadyWrittenResult : Microsoft.AspNetCore.Mvc.IActionResult
{
    public Task ExecuteResultAsync(Microsoft.AspNetCore.Mvc.ActionContext context) => Task.CompletedTask;
}
