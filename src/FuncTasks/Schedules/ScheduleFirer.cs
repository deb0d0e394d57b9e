using FuncTasks.Api;
using FuncTasks.Execution;
using FuncTasks.Jobs;
using FuncTasks.Storage;
using FuncTasks.Tasks;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;

namespace FuncTasks.Schedules;

/// <summary>What a schedule's driver does next: end (the schedule is gone), sleep until a change (paused, ended or exhausted), or wake at <see cref="At"/>.</summary>
public sealed record ScheduleWake(bool Ended, DateTimeOffset? At)
{
    public static readonly ScheduleWake Gone = new(true, null);
    public static readonly ScheduleWake UntilChanged = new(false, null);
}

/// <summary>A job a schedule started has ended (its orchestration says so, for a buffered job that waits on it).</summary>
public sealed record ScheduledJobEnded(string ScheduleId, string JobId);

/// <summary>
/// The work behind a schedule's driver (<see cref="ScheduleDriver"/>), run in an activity each time the driver wakes:
/// deals with every occurrence due since the last one it dealt with, and says when to wake next. The newest due
/// occurrence fires when it is at most <c>catch_up_seconds</c> old (older ones collapse into it, or are counted
/// missed), and the fire's job id is derived from the schedule and the occurrence and written with a conditional
/// insert, so however often this runs for an occurrence, it starts one job.
/// </summary>
public sealed class ScheduleFirer(
    ScheduleStore schedules,
    TaskStore tasks,
    JobStore jobs,
    JobSchedulerFactory schedulers,
    TimeProvider clock,
    ILogger<ScheduleFirer> logger)
{
    /// <summary>An occurrence this close is waited for in the activity: a durable timer can fire up to a second early.</summary>
    private static readonly TimeSpan WaitHere = TimeSpan.FromSeconds(3);

    /// <summary>The driver's timer is set this much before the occurrence, and the activity waits out the rest.</summary>
    private static readonly TimeSpan WakeEarly = TimeSpan.FromSeconds(1);

    /// <summary>At most this many occurrences are counted in one run (a 1-second schedule down for a day has 86,400); the next run goes on.</summary>
    private const int MaxOccurrencesPerRun = 100_000;

    public async Task<ScheduleWake> TickAsync(string scheduleId, DurableTaskClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (await schedules.GetAsync(scheduleId, cancellationToken) is not { } stored)
        {
            return ScheduleWake.Gone;
        }

        var schedule = stored.Value;
        var calendar = ScheduleCalendar.Of(schedule.Spec);
        var state = await schedules.GetStateAsync(scheduleId, cancellationToken);
        var from = schedule.CountsFrom(state);
        if (!schedule.Spec.Enabled || calendar?.NextAfter(from) is not { } next)
        {
            return ScheduleWake.UntilChanged;
        }

        var now = clock.GetUtcNow();
        if (next > now + WaitHere)
        {
            return new ScheduleWake(false, next - WakeEarly);
        }

        while (next > now)
        {
            // A delay can end a little early: a fire is never stamped before its occurrence.
            await Task.Delay(next - now + TimeSpan.FromMilliseconds(1), clock, cancellationToken);
            now = clock.GetUtcNow();
        }

        // Every occurrence due by now: the newest fires if it is recent enough; older ones collapse into it or are missed.
        var window = schedule.CatchUpWindow;
        var latest = next;
        long missed = 0;
        var counted = 1;
        while (calendar.NextAfter(latest) is { } after && after <= now && counted < MaxOccurrencesPerRun)
        {
            if (now - latest > window)
            {
                missed++;
            }

            latest = after;
            counted++;
        }

        var moreDue = counted == MaxOccurrencesPerRun;
        FireResult? fired = null;
        if (now - latest > window || moreDue)
        {
            missed++;
        }
        else
        {
            fired = await FireAsync(stored, state, latest, now, client, cancellationToken);
        }

        await schedules.UpdateStateAsync(scheduleId, current => current.Cursor >= latest ? null : current with
        {
            Cursor = latest,
            Fires = current.Fires + (fired is { Fire: not null } ? 1 : 0),
            MissedFires = current.MissedFires + missed,
            LastFire = fired?.Fire ?? current.LastFire,
            LastJobId = fired?.Fire?.JobId ?? current.LastJobId,
            Buffered = fired?.Buffered ?? current.Buffered,
        }, cancellationToken);
        if (missed > 0)
        {
            logger.ScheduleMissedFires(scheduleId, missed);
        }

        if (fired?.Buffered is { } buffered)
        {
            await ReleaseIfPreviousEndedAsync(client, buffered, cancellationToken);
        }

        if (moreDue)
        {
            return new ScheduleWake(false, now);
        }

        return calendar.NextAfter(latest) is { } following
            ? new ScheduleWake(false, following - WakeEarly > now ? following - WakeEarly : now)
            : ScheduleWake.UntilChanged;
    }

    /// <summary>
    /// Starts a job of the schedule's task now, <paramref name="body"/> over the schedule's params and env, with the
    /// schedule's overlap policy (<c>skip</c> or a full buffer with a job going is <c>409 schedule-busy</c>).
    /// </summary>
    public async Task<Job> TriggerAsync(string scheduleId, ExecuteRequest body, DurableTaskClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        var stored = await schedules.GetAsync(scheduleId, cancellationToken) ?? throw Refusals.NotFound("schedule", scheduleId);
        var spec = stored.Value.Spec;
        var state = await schedules.GetStateAsync(scheduleId, cancellationToken);
        var (outcome, previous) = await DecideOverlapAsync(spec.Overlap, state, cancellationToken);
        if (outcome == FireOutcome.SkippedOverlap)
        {
            throw Refusals.Conflict("schedule-busy", "The schedule's previous job is still going",
                $"The schedule's job '{previous!.Id}' is {EnumNames.ToSnake(previous.Status)} and its overlap policy is " +
                $"{EnumNames.ToSnake(spec.Overlap)}; wait for it to finish or cancel it.");
        }

        if (outcome == FireOutcome.CanceledPrevious)
        {
            await CancelQuietlyAsync(client, previous!.Id, cancellationToken);
        }

        var request = body with
        {
            Params = ExecuteRequest.MergeParams(spec.Params, body.Params),
            Env = spec.Env.Count > 0 || body.Env is not null ? ExecuteRequest.MergeEnv(spec.Env, body.Env) : null,
        };
        var after = outcome == FireOutcome.Buffered ? previous!.Id : null;
        var job = await schedulers.Create(client).ExecuteAsync(spec.TaskId, request,
            new JobOrigin { ScheduleId = scheduleId, AfterJobId = after }, cancellationToken);
        var buffered = after is null ? null : new BufferedJob(job.Id, after);
        await schedules.UpdateStateAsync(scheduleId, current => current with { LastJobId = job.Id, Buffered = buffered ?? current.Buffered }, cancellationToken);
        if (buffered is not null)
        {
            await ReleaseIfPreviousEndedAsync(client, buffered, cancellationToken);
        }

        return job;
    }

    /// <summary>A job of the schedule ended: the buffered job that waits for it (if any) may start.</summary>
    public async Task JobEndedAsync(ScheduledJobEnded ended, DurableTaskClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ended);
        var state = await schedules.GetStateAsync(ended.ScheduleId, cancellationToken);
        if (state.Buffered is { } buffered && buffered.After == ended.JobId)
        {
            await ReleaseAsync(client, buffered.JobId, cancellationToken);
            await schedules.UpdateStateAsync(ended.ScheduleId, current => current.Buffered == buffered ? current with { Buffered = null } : null, cancellationToken);
        }
    }

    /// <summary>
    /// Releases the buffered job if the job it waits for has ended. Called after the schedule's state names the buffered
    /// job, and the ended job's orchestration reads that state after its record ended: one of the two sees the other.
    /// </summary>
    public async Task ReleaseIfPreviousEndedAsync(DurableTaskClient client, BufferedJob buffered, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(buffered);
        if (await jobs.GetAsync(buffered.After, cancellationToken) is null or { IsFinished: true })
        {
            await ReleaseAsync(client, buffered.JobId, cancellationToken);
        }
    }

    private sealed record FireResult(ScheduleFire? Fire, BufferedJob? Buffered);

    /// <summary>One fire for <paramref name="occurrence"/>; null when the schedule paused itself instead (its task is gone, or the fire was refused).</summary>
    private async Task<FireResult> FireAsync(Versioned<ScheduleDefinition> stored, ScheduleState state, DateTimeOffset occurrence, DateTimeOffset now,
        DurableTaskClient client, CancellationToken cancellationToken)
    {
        var schedule = stored.Value;
        var spec = schedule.Spec;
        var firedAt = Timestamps.Now(clock);
        var jobId = JobIdFor(schedule.Id, occurrence);
        ScheduleFire Fire(FireOutcome outcome, string? job) => new(occurrence, firedAt, outcome, job);

        var task = (await tasks.GetAsync(spec.TaskId, cancellationToken))?.Value;
        if (task is null)
        {
            await PauseAsync(schedule.Id, TaskGoneReason(spec.TaskId, now), cancellationToken);
            return new FireResult(null, null);
        }

        var origin = new JobOrigin { JobId = jobId, ScheduleId = schedule.Id, Occurrence = occurrence };
        var request = new ExecuteRequest(spec.Params, spec.Env.Count > 0 ? spec.Env : null);
        var scheduler = schedulers.Create(client);
        if (await jobs.GetAsync(jobId, cancellationToken) is { } existing)
        {
            // This occurrence fired before (the activity ran again): make sure its job runs, and say so again.
            await scheduler.ExecuteAsync(task.Id, request, origin with { AfterJobId = state.Buffered?.JobId == jobId ? state.Buffered.After : null }, cancellationToken);
            var buffered = state.Buffered?.JobId == jobId ? state.Buffered : null;
            return new FireResult(Fire(buffered is null ? FireOutcome.Started : FireOutcome.Buffered, existing.Id), buffered);
        }

        if (!task.Enabled)
        {
            return new FireResult(Fire(FireOutcome.SkippedTaskDisabled, null), null);
        }

        var (outcome, previous) = await DecideOverlapAsync(spec.Overlap, state, cancellationToken);
        if (outcome == FireOutcome.SkippedOverlap)
        {
            return new FireResult(Fire(outcome, null), null);
        }

        if (outcome == FireOutcome.CanceledPrevious)
        {
            await CancelQuietlyAsync(client, previous!.Id, cancellationToken);
        }

        var after = outcome == FireOutcome.Buffered ? previous!.Id : null;
        try
        {
            var job = await scheduler.ExecuteAsync(task.Id, request, origin with { AfterJobId = after }, cancellationToken);
            return new FireResult(Fire(outcome, job.Id), after is null ? null : new BufferedJob(job.Id, after));
        }
        catch (RefusalException refusal)
        {
            await PauseAsync(schedule.Id, $"a fire was refused: {refusal.Message} (paused at {ApiJson.FormatTimestamp(now)})", cancellationToken);
            return new FireResult(null, null);
        }
    }

    /// <summary>What the overlap policy makes of the schedule's previous job: the fire's outcome, and that job when it is still going.</summary>
    private async Task<(FireOutcome Outcome, Job? Previous)> DecideOverlapAsync(OverlapPolicy policy, ScheduleState state, CancellationToken cancellationToken)
    {
        var previous = state.LastJobId is { } id ? await jobs.GetAsync(id, cancellationToken) : null;
        if (previous is null || previous.IsFinished)
        {
            return (FireOutcome.Started, null);
        }

        return policy switch
        {
            OverlapPolicy.Allow => (FireOutcome.Started, previous),
            OverlapPolicy.CancelPrevious => (FireOutcome.CanceledPrevious, previous),
            // At most one job waits: a previous job that has not started yet is that one.
            OverlapPolicy.BufferOne when previous.Status == JobStatus.Running => (FireOutcome.Buffered, previous),
            _ => (FireOutcome.SkippedOverlap, previous),
        };
    }

    /// <summary>Pauses the schedule, saying why (the app, not a client, paused it).</summary>
    public async Task PauseAsync(string scheduleId, string reason, CancellationToken cancellationToken)
    {
        while (await schedules.GetAsync(scheduleId, cancellationToken) is { } current && current.Value.Spec.Enabled)
        {
            var paused = current.Value with { Spec = current.Value.Spec with { Enabled = false }, DisabledReason = reason, UpdatedAt = Timestamps.Now(clock) };
            if ((await schedules.ReplaceAsync(paused, current.Version, cancellationToken)).Outcome != WriteOutcome.Stale)
            {
                logger.SchedulePaused(scheduleId, reason);
                return;
            }
        }
    }

    private async Task CancelQuietlyAsync(DurableTaskClient client, string jobId, CancellationToken cancellationToken)
    {
        try
        {
            await schedulers.Create(client).CancelAsync(jobId, cancellationToken);
        }
        catch (RefusalException)
        {
            // It finished (or went) meanwhile.
        }
    }

    private async Task ReleaseAsync(DurableTaskClient client, string jobId, CancellationToken cancellationToken)
    {
        try
        {
            await client.RaiseEventAsync(jobId, JobScheduler.PreviousEndedEvent, jobId, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The sweep releases it again (ScheduleKeeper).
            logger.BufferedJobNotReleased(ex, jobId);
        }
    }

    /// <summary>Why a schedule whose task is gone was paused.</summary>
    public static string TaskGoneReason(string taskId, DateTimeOffset at) => $"its task '{taskId}' no longer exists (paused at {ApiJson.FormatTimestamp(at)})";

    /// <summary>The id of the job a fire of <paramref name="scheduleId"/> starts for <paramref name="occurrence"/>: the same every time.</summary>
    public static string JobIdFor(string scheduleId, DateTimeOffset occurrence) => UlidIds.ForOccurrence(scheduleId, occurrence);
}
