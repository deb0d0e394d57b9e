using System.Globalization;
using FuncTasks.Api;
using FuncTasks.Jobs;
using FuncTasks.Output;

namespace FuncTasks.Execution;

/// <summary>Reports a running job's progress; task functions have it injected.</summary>
public interface IJobProgress
{
    /// <summary>Records progress on the job (shown by its status endpoint and stream).</summary>
    /// <param name="percent">0 to 100, or null when unknown.</param>
    Task ReportAsync(double? percent, string? message = null, CancellationToken cancellationToken = default);
}

/// <summary>Writes progress to the job record while the job is running, and as a line to its log when it has one.</summary>
internal sealed class JobProgressReporter(JobStore jobs, string jobId, TimeProvider clock, JobOutputWriter? output = null) : IJobProgress
{
    public async Task ReportAsync(double? percent, string? message = null, CancellationToken cancellationToken = default)
    {
        if (percent is { } p && (double.IsNaN(p) || p < 0 || p > 100))
        {
            throw new ArgumentOutOfRangeException(nameof(percent), percent, "Progress is a percentage from 0 to 100.");
        }

        var progress = new JobProgress(percent, message, Timestamps.Now(clock));
        output?.WriteLine($"{JobOutputLogger.Stamp(clock)} progress: {(percent is { } shown ? shown.ToString("0.##", CultureInfo.InvariantCulture) + "%" : "-")}{(message is null ? string.Empty : " " + message)}");
        await jobs.UpdateAsync(jobId, job => job.Report(progress), cancellationToken);
    }
}
