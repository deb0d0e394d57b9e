using FuncTasks.Execution;
using FuncTasks.Jobs;
using FuncTasks.Tasks;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;

namespace FuncTasks.Schedules;

/// <summary>What the sweep did for schedules.</summary>
public sealed record ScheduleSweep(IReadOnlyList<string> Healed, IReadOnlyList<string> Overdue, int DriversPurged)
{
    /// <summary>Schedules paused because their task is gone.</summary>
    public IReadOnlyList<string> Paused { get; init; } = [];
}

/// <summary>
/// The sweep's part for schedules: pauses a schedule whose task is gone (as its next fire would), starts a driver for every schedule that has none running (it died, was terminated
/// or purged, or was never started), reports a schedule whose next occurrence is overdue (and nudges its driver),
/// releases a buffered job whose previous job ended without saying so, and ends and purges the drivers of deleted schedules.
/// </summary>
public sealed class ScheduleKeeper(ScheduleStore store, ScheduleFirer firer, TaskStore tasks, JobStore jobs, TimeProvider clock, ILogger<ScheduleKeeper> logger)
{
    /// <summary>A schedule is overdue when an occurrence has waited this long past its catch-up window.</summary>
    public static readonly TimeSpan OverdueAfter = TimeSpan.FromSeconds(60);

    public async Task<ScheduleSweep> KeepAsync(DurableTaskClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var healed = new List<string>();
        var overdue = new List<string>();
        var paused = new List<string>();
        var now = clock.GetUtcNow();
        await foreach (var stored in store.ScanAsync(null, cancellationToken))
        {
            var schedule = stored.Value;
            if (schedule.Spec.Enabled && await tasks.GetAsync(schedule.Spec.TaskId, cancellationToken) is null)
            {
                await firer.PauseAsync(schedule.Id, ScheduleFirer.TaskGoneReason(schedule.Spec.TaskId, now), cancellationToken);
                paused.Add(schedule.Id);
                continue;
            }

            var instance = await client.GetInstanceAsync(ScheduleDriver.InstanceIdFor(schedule.Id), cancellationToken);
            if (Orchestrations.HasEnded(instance))
            {
                await ScheduleService.WakeDriverAsync(client, schedule.Id, cancellationToken);
                healed.Add(schedule.Id);
                logger.SweepHealedSchedule(schedule.Id);
            }

            var state = await store.GetStateAsync(schedule.Id, cancellationToken);
            if (state.Buffered is { } buffered)
            {
                await KeepBufferedAsync(client, schedule.Id, buffered, cancellationToken);
            }

            if (schedule.Spec.Enabled && ScheduleCalendar.Of(schedule.Spec)?.NextAfter(schedule.CountsFrom(state)) is { } due
                && due < now - schedule.CatchUpWindow - OverdueAfter)
            {
                overdue.Add(schedule.Id);
                logger.SweepOverdueSchedule(schedule.Id, due);
                if (!healed.Contains(schedule.Id))
                {
                    await ScheduleService.WakeDriverAsync(client, schedule.Id, cancellationToken);
                }
            }
        }

        return new ScheduleSweep(healed, overdue, await PurgeEndedDriversAsync(client, cancellationToken)) { Paused = paused };
    }

    private async Task KeepBufferedAsync(DurableTaskClient client, string scheduleId, BufferedJob buffered, CancellationToken cancellationToken)
    {
        if (await jobs.GetAsync(buffered.JobId, cancellationToken) is { Status: JobStatus.Pending })
        {
            await firer.ReleaseIfPreviousEndedAsync(client, buffered, cancellationToken);
        }
        else
        {
            // It has started (or gone): nothing waits any more.
            await store.UpdateStateAsync(scheduleId, current => current.Buffered == buffered ? current with { Buffered = null } : null, cancellationToken);
        }
    }

    /// <summary>
    /// Drivers whose schedule is gone (deleted with its task, which does not wake them): an ended one is purged, a waiting
    /// one is woken so that it ends (it would otherwise sleep until its timer, or for ever while it waited for a change).
    /// </summary>
    private async Task<int> PurgeEndedDriversAsync(DurableTaskClient client, CancellationToken cancellationToken)
    {
        var drivers = new List<OrchestrationMetadata>();
        var query = new OrchestrationQuery { InstanceIdPrefix = ScheduleDriver.InstanceIdPrefix };
        await foreach (var driver in client.GetAllInstancesAsync(query).WithCancellation(cancellationToken))
        {
            drivers.Add(driver);
        }

        var purged = 0;
        foreach (var driver in drivers)
        {
            var scheduleId = driver.InstanceId[ScheduleDriver.InstanceIdPrefix.Length..];
            if (await store.GetAsync(scheduleId, cancellationToken) is not null)
            {
                continue;
            }

            if (Orchestrations.HasEnded(driver))
            {
                await client.PurgeInstanceAsync(driver.InstanceId, cancellation: cancellationToken);
                purged++;
            }
            else
            {
                await ScheduleService.WakeDriverAsync(client, scheduleId, cancellationToken, startIfMissing: false);
            }
        }

        return purged;
    }
}
