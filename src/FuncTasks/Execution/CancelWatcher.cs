using FuncTasks.Jobs;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FuncTasks.Execution;

/// <summary>
/// Stops a running job's work when its record says it no longer runs: a cancel (which may come through any
/// instance of the app), a delete, or the sweep. The record is the signal because the work may run elsewhere.
/// </summary>
public sealed class CancelWatcher(JobStore jobs, IOptions<ExecutionOptions> options, TimeProvider clock, ILogger<CancelWatcher> logger)
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
                    logger.JobStopNoticed(jobId);
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
            logger.CancelWatchFailed(ex, jobId);
        }
    }
}
