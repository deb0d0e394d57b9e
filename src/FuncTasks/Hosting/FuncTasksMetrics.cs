using System.Diagnostics.Metrics;
using FuncTasks.Api;
using FuncTasks.Jobs;

namespace FuncTasks.Hosting;

/// <summary>
/// The numbers a user charts (meter <c>FuncTasks</c>): jobs started and how they ended, job duration,
/// time spent waiting for a permit, permits in use on this instance. Exported by OpenTelemetry to
/// Azure Monitor when Application Insights is configured; nothing leaves the process otherwise.
/// </summary>
public sealed class FuncTasksMetrics
{
    public const string MeterName = "FuncTasks";

    private readonly Counter<long> started;
    private readonly Counter<long> ended;
    private readonly Histogram<double> duration;
    private readonly Histogram<double> gateWait;
    private readonly UpDownCounter<long> permitsInUse;

    public FuncTasksMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        var meter = meters.Create(MeterName);
        started = meter.CreateCounter<long>("functasks.jobs.started", "{job}", "Jobs whose work began.");
        ended = meter.CreateCounter<long>("functasks.jobs.ended", "{job}", "Jobs that ended, tagged with status: completed, failed or canceled.");
        duration = meter.CreateHistogram<double>("functasks.job.duration", "s", "From the start of a job's work to its end.");
        gateWait = meter.CreateHistogram<double>("functasks.gate.wait", "s", "From asking the concurrency gate for a permit to getting it.");
        permitsInUse = meter.CreateUpDownCounter<long>("functasks.gate.permits_in_use", "{permit}", "Permits held by job work running on this instance.");
    }

    /// <summary>A job's work began (its first attempt).</summary>
    public void JobStarted(Job job)
    {
        ArgumentNullException.ThrowIfNull(job);
        started.Add(1, TaskType(job));
        if (job is { PermitRequestedAt: { } asked, PermitGrantedAt: { } granted })
        {
            gateWait.Record(Math.Max(0, (granted - asked).TotalSeconds), TaskType(job));
        }
    }

    /// <summary>A job reached completed, failed or canceled (called where that transition is written).</summary>
    public void JobEnded(Job job)
    {
        ArgumentNullException.ThrowIfNull(job);
        var status = new KeyValuePair<string, object?>("status", EnumNames.ToSnake(job.Status));
        ended.Add(1, TaskType(job), status);
        if (job is { StartedAt: { } start, FinishedAt: { } end })
        {
            duration.Record(Math.Max(0, (end - start).TotalSeconds), TaskType(job), status);
        }
    }

    public void PermitTaken() => permitsInUse.Add(1);

    public void PermitReturned() => permitsInUse.Add(-1);

    private static KeyValuePair<string, object?> TaskType(Job job) => new("task_type", EnumNames.ToSnake(job.TaskType));
}
