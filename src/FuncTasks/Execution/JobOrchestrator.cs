using FuncTasks.Gate;
using FuncTasks.Jobs;
using Microsoft.DurableTask;

namespace FuncTasks.Execution;

/// <summary>A job's orchestration could not finish its work normally.</summary>
public sealed record JobFailure(string JobId, string Type, string Message);

/// <summary>
/// One job = one orchestration (instance id = job id). A delayed job first waits for its time on a durable
/// timer (cancelable). It then takes a permit from the concurrency gate
/// (waiting, cancelable, when none is free), runs the attempts in the RunJob activity (numbering them, and
/// waiting between them as the task's retry policy says), and returns the permit however the job ends. RunJob
/// starts the work only when the gate's committed state lists the job as a holder; otherwise it answers
/// <see cref="JobOutcome.NoPermit"/> and the job asks again. Deterministic: only context time, Durable calls and
/// the input.
/// </summary>
public sealed class JobOrchestrator : TaskOrchestrator<JobRun, JobOutcome>
{
    public const string Name = "JobOrchestrator";
    public const string RunJobActivity = "RunJob";
    public const string FailJobActivity = "FailJob";

    /// <summary>How long a waiting job waits before it first asks the gate again (see <see cref="WaitForPermitAsync"/>).</summary>
    private static readonly TimeSpan FirstRecheck = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan LastRecheck = TimeSpan.FromMinutes(10);

    public override async Task<JobOutcome> RunAsync(TaskOrchestrationContext context, JobRun input)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(input);
        var outcome = await RunJobAsync(context, input);
        if (input.ScheduleId is { } scheduleId)
        {
            // Its schedule may hold a buffered job that waits for this one (overlap buffer_one).
            await context.CallActivityAsync(Schedules.ScheduleDurableFunctions.JobEndedActivity, new Schedules.ScheduledJobEnded(scheduleId, input.JobId));
        }

        return outcome;
    }

    private static async Task<JobOutcome> RunJobAsync(TaskOrchestrationContext context, JobRun input)
    {
        // One wait for the cancel, kept for the whole orchestration: a second one would never see the event the first
        // takes. The losing waits are simply left behind. Canceling one with `await cts.CancelAsync()` resumed the
        // orchestrator off its own thread and the instance never completed (seen on the durable engine).
        Task<string>? cancel = null;
        if (input.ScheduledFor is { } due && due.UtcDateTime > context.CurrentUtcDateTime)
        {
            // A delayed job waits here, on a durable timer, holding no permit and not in the gate's line.
            cancel = context.WaitForExternalEvent<string>(JobScheduler.CancelEvent);
            if (!await WaitUntilAsync(context, due.UtcDateTime, cancel))
            {
                return new JobOutcome(JobStatus.Canceled, new JobError("canceled", "Canceled while waiting for its time."));
            }
        }

        if (input.AfterJobId is not null)
        {
            // A buffered job of a schedule: it starts when the schedule's running job has ended.
            cancel ??= context.WaitForExternalEvent<string>(JobScheduler.CancelEvent);
            var previousEnded = context.WaitForExternalEvent<string>(JobScheduler.PreviousEndedEvent);
            if (await Task.WhenAny(previousEnded, cancel) != previousEnded)
            {
                return new JobOutcome(JobStatus.Canceled, new JobError("canceled", "Canceled while waiting for the schedule's previous job."));
            }
        }

        if (!input.UseGate)
        {
            return await RunAttemptsAsync(context, input);
        }

        try
        {
            // Watched: JobScheduler asked for the permit when it started this orchestration, and RunJob runs once the
            // gate's committed state shows it.
            var watched = input.WatchForPermit;
            if (!watched)
            {
                await SignalAcquireAsync(context, input.JobId);
            }

            cancel ??= context.WaitForExternalEvent<string>(JobScheduler.CancelEvent);
            while (true)
            {
                if (!watched && !await WaitForPermitAsync(context, input.JobId, cancel))
                {
                    return new JobOutcome(JobStatus.Canceled, new JobError("canceled", "Canceled while waiting for a permit."));
                }

                var outcome = await RunAttemptsAsync(context, watched
                    ? input
                    : input with { WatchForPermit = false, PermitGrantedAt = new DateTimeOffset(context.CurrentUtcDateTime, TimeSpan.Zero) });
                if (outcome != JobOutcome.NoPermit)
                {
                    return outcome;
                }

                // The job must wait (watched), or was told of a permit the gate's committed state does not show (see
                // ConcurrencyGate): ask to be told (a holder is told again), and wait.
                await SignalAcquireAsync(context, input.JobId);
                watched = false;
            }
        }
        finally
        {
            // From the acquire on, the job holds or queues for a permit: it goes back however the job ended.
            await context.Entities.SignalEntityAsync(ConcurrencyGate.Id, ConcurrencyGate.Operations.Release, input.JobId);
        }
    }

    /// <summary>Waits until <paramref name="due"/> (UTC); false when the cancel came first.</summary>
    private static async Task<bool> WaitUntilAsync(TaskOrchestrationContext context, DateTime due, Task cancel)
    {
        for (var fireAt = due; ; fireAt = due.AddSeconds(1))
        {
            using var stopTimer = new CancellationTokenSource();
            var timer = context.CreateTimer(fireAt, stopTimer.Token);
            if (await Task.WhenAny(timer, cancel) != timer)
            {
                stopTimer.Cancel(); // a pending timer would keep the orchestration from completing
                return false;
            }

            if (context.CurrentUtcDateTime >= due)
            {
                return true;
            }

            // The storage queues behind the timer count whole seconds, so it can fire up to a second early: wait out the rest.
        }
    }

    /// <summary>
    /// Waits for the permit event; false when the cancel came first. Now and then (30 s, then twice as long each time,
    /// at most 10 min) it asks again: an answer "wait" that came from a run of the gate the backend discarded may hide
    /// a grant nobody will tell, and the gate tells a holder that asks again.
    /// </summary>
    private static async Task<bool> WaitForPermitAsync(TaskOrchestrationContext context, string jobId, Task cancel)
    {
        var permit = context.WaitForExternalEvent<string>(PermitWaker.PermitGrantedEvent);
        for (var recheck = FirstRecheck; ; recheck = recheck * 2 < LastRecheck ? recheck * 2 : LastRecheck)
        {
            // A timer left pending keeps the orchestration from completing until it fires: cancel it once it lost. With
            // Cancel, not `await CancelAsync()`, which resumed the orchestrator off its own thread (seen on the engine).
            using var stopTimer = new CancellationTokenSource();
            var timer = context.CreateTimer(context.CurrentUtcDateTime + recheck, stopTimer.Token);
            var first = await Task.WhenAny(permit, cancel, timer);
            if (first != timer)
            {
                stopTimer.Cancel();
                return first == permit;
            }

            await SignalAcquireAsync(context, jobId);
        }
    }

    /// <summary>The attempts, numbered here so that a redelivered activity is never counted as a new one.</summary>
    private static async Task<JobOutcome> RunAttemptsAsync(TaskOrchestrationContext context, JobRun run)
    {
        for (var attempt = 1; ; attempt++)
        {
            var current = run with { Attempt = attempt };
            JobOutcome outcome;
            try
            {
                outcome = await context.CallActivityAsync<JobOutcome>(RunJobActivity, current);
            }
            catch (TaskFailedException failure) when (!current.HasAttemptsLeft)
            {
                // An unexpected fault on the last attempt (a failed attempt of the task is recorded by the activity itself).
                return await context.CallActivityAsync<JobOutcome>(FailJobActivity,
                    new JobFailure(run.JobId, "internal_error", failure.FailureDetails.ErrorMessage));
            }
            catch (TaskFailedException)
            {
                outcome = JobOutcome.AttemptFailed(null); // an unexpected fault with attempts left counts as a failed attempt
            }

            if (!outcome.IsAttemptFailed())
            {
                return outcome;
            }

            await context.CreateTimer(run.DelayBefore(attempt + 1), CancellationToken.None);
        }
    }

    /// <summary>Asks with a one-way signal: the answer comes as the permit event.</summary>
    private static Task SignalAcquireAsync(TaskOrchestrationContext context, string jobId) =>
        context.Entities.SignalEntityAsync(ConcurrencyGate.Id, ConcurrencyGate.Operations.Acquire, jobId);
}
