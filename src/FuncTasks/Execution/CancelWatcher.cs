using FuncTasks.Jobs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FuncTasks.Execution;

/// <summary>
/// Stops a running job's work when its record says it no longer runs: a cancel (which may come through any
/// instance of the app), a delete, or the sweep. The record is the signal because the work may run elsewhere.
/// </summary>
public sealed partial class CancelWatcher(JobStore jobs, IOptions<ExecutionOptions> options, TimeProvider clock, ILogger<CancelWatcher> logger)
{
    /// <summary>Polls the record until <paramref name="stop"/> fires, and fires it when the job stopped running.</summary>
    public async Task WatchAsync(string jobId, CancellationTokenSource stop)
    {
        ArgumentNullException.ThrowIfNull(stop);
        var interval = TimeSpan.FromMilliseconds(options.Value.CancelPollMilliseconds);
        try
        {
            while (!stop.IsCancellationRequested)
            {
                await Task.Delay(interval, clock, stop.Token);
                var job = await jobs.GetAsync(jobId, stop.Token);
                if (job is null || job.Status != JobStatus.Running)
                {
                    LogStopNoticed(logger, jobId);
                    await stop.CancelAsync();
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The run ended, or was stopped.
        }
        catch (Azure.RequestFailedException ex)
        {
            LogWatchFailed(logger, ex, jobId);
        }
    }

    [LoggerMessage(EventId = 3004, Level = LogLevel.Information, Message = "Job {JobId} is no longer running per its record; stopping its work")]
    private static partial void LogStopNoticed(ILogger logger, string jobId);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Warning, Message = "Job {JobId}: watching the record for a cancel failed")]
    private static partial void LogWatchFailed(ILogger logger, Exception exception, string jobId);
}
