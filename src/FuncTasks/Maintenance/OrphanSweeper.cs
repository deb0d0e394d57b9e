using FuncTasks.Api;
using FuncTasks.Execution;
using FuncTasks.Gate;
using FuncTasks.Hosting;
using FuncTasks.Jobs;
using FuncTasks.Schedules;
using FuncTasks.Storage;
using FuncTasks.TaskFunctions;
using FuncTasks.Tasks;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;

namespace FuncTasks.Maintenance;

/// <summary>What one sweep found and repaired.</summary>
public sealed record SweepSummary(
    int TasksDisabled,
    int JobsFailed,
    int PermitsReclaimed,
    IReadOnlyList<string> DisabledTaskIds,
    IReadOnlyList<string> FailedJobIds,
    IReadOnlyList<string> ReclaimedJobIds,
    long DurationMs)
{
    /// <summary>Finished <see cref="PermitWaker"/> orchestrations whose history was purged.</summary>
    public int WakersPurged { get; init; }

    /// <summary>What the sweep did for schedules (drivers started, overdue schedules reported).</summary>
    public ScheduleSweep Schedules { get; init; } = new([], [], 0);

    /// <summary>What the retention settings removed (<see cref="RetentionSweep"/>).</summary>
    public RetentionResult Retention { get; init; } = new(0, 0, 0, false);
}

/// <summary>
/// Finds and repairs orphans, idempotently: function tasks whose function is not registered here
/// (disabled, with the reason recorded); jobs whose record says pending or running while their
/// orchestration has ended or does not exist (failed); permits or queue places held by jobs that
/// are finished or gone (returned to the gate). It also purges the history of finished wake-up orchestrations
/// (<see cref="PermitWaker"/>), which would otherwise pile up in the task hub, one per batch of grants.
/// </summary>
public sealed class OrphanSweeper(
    TaskStore tasks,
    JobStore jobs,
    TaskFunctionRegistry functions,
    JobLifecycle lifecycle,
    GateClient gate,
    ScheduleKeeper schedules,
    RetentionSweep retention,
    TimeProvider clock,
    ILogger<OrphanSweeper> logger)
{
    /// <summary>A job accepted this recently may not have its orchestration yet ($execute writes the record first).</summary>
    public static readonly TimeSpan StartGrace = TimeSpan.FromSeconds(60);

    /// <summary>Function tasks whose function is not registered in this app.</summary>
    public async Task<List<TaskDefinition>> FindOrphanedTasksAsync(CancellationToken cancellationToken)
    {
        var orphans = new List<TaskDefinition>();
        await foreach (var task in tasks.ScanAsync(cancellationToken))
        {
            if (task.Value.TaskType == TaskType.Function && !functions.Contains(task.Value.Command))
            {
                orphans.Add(task.Value);
            }
        }

        return orphans;
    }

    public async Task<SweepSummary> SweepAsync(DurableTaskClient client, CancellationToken cancellationToken)
    {
        var started = clock.GetTimestamp();
        var disabled = await DisableOrphanedTasksAsync(cancellationToken);
        var failed = await FailLostJobsAsync(client, cancellationToken);
        var reclaimed = await ReclaimPermitsAsync(client, cancellationToken);
        var wakersPurged = await PurgeFinishedWakersAsync(client, cancellationToken);
        var scheduleSweep = await schedules.KeepAsync(client, cancellationToken);
        var retained = await retention.RunAsync(client, clock.GetUtcNow(), cancellationToken);
        var summary = new SweepSummary(disabled.Count, failed.Count, reclaimed.Count, disabled, failed, reclaimed,
            (long)clock.GetElapsedTime(started).TotalMilliseconds) { WakersPurged = wakersPurged, Schedules = scheduleSweep, Retention = retained };
        logger.SweepDone(summary.TasksDisabled, summary.JobsFailed, summary.PermitsReclaimed, wakersPurged, summary.DurationMs);
        logger.SweepSchedules(scheduleSweep.Paused.Count, scheduleSweep.Healed.Count, scheduleSweep.Overdue.Count, scheduleSweep.DriversPurged);
        logger.SweepRetention(retained.JobsRemoved, retained.ArtifactsRemoved, retained.IdempotencyKeysRemoved, retained.BacklogLeft);
        return summary;
    }

    private async Task<List<string>> DisableOrphanedTasksAsync(CancellationToken cancellationToken)
    {
        var disabled = new List<string>();
        await foreach (var stored in tasks.ScanAsync(cancellationToken))
        {
            var task = stored.Value;
            if (task.TaskType != TaskType.Function || functions.Contains(task.Command) || !task.Enabled)
            {
                continue;
            }

            var reason = $"its task function '{task.Command}' is not registered in this app (disabled by the sweep at {ApiJson.FormatTimestamp(clock.GetUtcNow())})";
            var (outcome, _) = await tasks.ReplaceAsync(task with { Enabled = false, UpdatedAt = Timestamps.Now(clock), DisabledReason = reason },
                stored.Version, cancellationToken);
            if (outcome == WriteOutcome.Written)
            {
                disabled.Add(task.Id);
                logger.SweepDisabledTask(task.Id, task.Command);
            }
        }

        return disabled;
    }

    private async Task<List<string>> FailLostJobsAsync(DurableTaskClient client, CancellationToken cancellationToken)
    {
        var failed = new List<string>();
        var now = clock.GetUtcNow();
        await foreach (var job in jobs.ScanUnfinishedAsync(cancellationToken))
        {
            var instance = await client.GetInstanceAsync(job.Id, cancellationToken);
            string? why = instance switch
            {
                null when now - job.SubmittedAt > StartGrace => "its orchestration does not exist",
                not null when Orchestrations.HasEnded(instance) => $"its orchestration is {instance.RuntimeStatus.ToString().ToLowerInvariant()}",
                _ => null,
            };
            if (why is null)
            {
                continue;
            }

            var (_, changed) = await lifecycle.EndAsync(job.Id, JobStatus.Failed,
                j => new JobError("orchestration_lost", $"The job was {EnumNames.ToSnake(j.Status)} but {why}; failed by the sweep."), cancellationToken);
            if (changed)
            {
                failed.Add(job.Id);
                logger.SweepFailedJob(job.Id, why);
            }
        }

        return failed;
    }

    private async Task<IReadOnlyList<string>> ReclaimPermitsAsync(DurableTaskClient client, CancellationToken cancellationToken)
    {
        var state = await gate.GetStateAsync(client, cancellationToken);
        if (state is null)
        {
            return [];
        }

        // Grants whose wake-up orchestration was lost are sent again by the gate's next operation; nudge it with one.
        if (state.IsWakerDue(Timestamps.Now(clock)))
        {
            await client.Entities.SignalEntityAsync(ConcurrencyGate.Id, ConcurrencyGate.Operations.Wake, cancellation: cancellationToken);
        }

        var stale = await Orchestrations.FindEndedAsync(client, state.Held.Concat(state.Queue), cancellationToken);
        if (stale.Length > 0)
        {
            if (!await gate.ReclaimAsync(client, stale, cancellationToken))
            {
                logger.SweepReclaimNotApplied(stale.Length);
            }

            foreach (var jobId in stale)
            {
                logger.SweepReclaimedPermit(jobId);
            }
        }

        return stale;
    }

    private static async Task<int> PurgeFinishedWakersAsync(DurableTaskClient client, CancellationToken cancellationToken)
    {
        var finished = new List<string>();
        var query = new OrchestrationQuery
        {
            InstanceIdPrefix = PermitWaker.InstanceIdPrefix,
            Statuses = Orchestrations.EndedStatuses,
        };
        await foreach (var waker in client.GetAllInstancesAsync(query).WithCancellation(cancellationToken))
        {
            finished.Add(waker.InstanceId);
        }

        foreach (var instanceId in finished)
        {
            await client.PurgeInstanceAsync(instanceId, cancellation: cancellationToken);
        }

        return finished.Count;
    }
}
