using FuncTasks.Api;
using FuncTasks.Jobs;

namespace FuncTasks.Execution;

/// <summary>Reports a running job's progress; task functions have it injected.</summary>
public interface IJobProgress
{
    /// <summary>Records progress on the job (shown by its status endpoint and stream).</summary>
    /// <param name="percent">0 to 100, or null when unknown.</param>
    Task ReportAsync(double? percent, string? message = null, CancellationToken cancellationToken = default);
}

/// <summary>Writes progress to the job record while the job is running.</summary>
internal sealed class JobProgressReporter(JobStore jobs, string jobId, TimeProvider clock) : IJobProgress
{
    public async Task ReportAsync(double? percent, string? message = null, CancellationToken cancellationToken = default)
    {
        if (percent is { } p && (double.IsNaN(p) || p < 0 || p > 100))
        {
            throw new ArgumentOutOfRangeException(nameof(percent), percent, "Progress is a percentage from 0 to 100.");
        }

        var progress = new JobProgress(percent, message, Timestamps.Now(clock));
        await jobs.UpdateAsync(jobId, job => job.Report(progress), cancellationToken);
    }
}
