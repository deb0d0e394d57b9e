using FuncTasks.Jobs;
using FuncTasks.Tasks;
using Microsoft.Extensions.Logging;

namespace FuncTasks;

/// <summary>
/// Every log message of the app, by area (the thousands of the event id), so the ids are seen together and a new
/// one takes the next free number. Task functions log through their own ILogger (see Samples/).
/// </summary>
internal static partial class Logs
{
    // 1xxx: HTTP (Api/ProblemMapper)

    [LoggerMessage(EventId = 1001, Level = LogLevel.Error, Message = "Unhandled error in {Method} {Path}")]
    public static partial void UnhandledError(this ILogger logger, Exception exception, string method, string path);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "An idempotent {Method} {Path} outlived its claim on the key (another request took it over); its answer is not kept")]
    public static partial void IdempotencyClaimLost(this ILogger logger, string method, string path);

    [LoggerMessage(EventId = 1003, Level = LogLevel.Warning, Message = "Could not give up an idempotency key after a failed request; it is free again when its claim runs out")]
    public static partial void IdempotencyReleaseFailed(this ILogger logger, Exception exception);

    // 2xxx: Jobs accepted, canceled, deleted (Execution/JobScheduler)

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Job {JobId} accepted for task {TaskId} ({TaskType})")]
    public static partial void JobAccepted(this ILogger logger, string jobId, string taskId, TaskType taskType);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "Job {JobId} canceled by a client")]
    public static partial void JobCanceled(this ILogger logger, string jobId);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Information, Message = "Job {JobId} deleted with its orchestration history")]
    public static partial void JobDeleted(this ILogger logger, string jobId);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Warning, Message = "Cancel event for job {JobId} was not delivered to its orchestration")]
    public static partial void CancelEventNotDelivered(this ILogger logger, Exception exception, string jobId);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Warning, Message = "Orchestration of job {JobId} did not end, even terminated; its history is kept")]
    public static partial void JobOrchestrationNotEnded(this ILogger logger, string jobId);

    // 3xxx: Job execution (Jobs/JobLifecycle, Execution/JobExecutor, Execution/CancelWatcher)

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Job {JobId} started (attempt {Attempt})")]
    public static partial void JobAttemptBegun(this ILogger logger, string jobId, int attempt);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "Job {JobId} ended: {Status} {ErrorType}")]
    public static partial void JobEnded(this ILogger logger, string jobId, JobStatus status, string? errorType);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "Job {JobId} attempt {Attempt} of {MaxAttempts} failed: {Message}; retrying")]
    public static partial void JobAttemptFailed(this ILogger logger, string jobId, int attempt, int maxAttempts, string? message);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Information, Message = "Job {JobId} is no longer running per its record; stopping its work")]
    public static partial void JobStopNoticed(this ILogger logger, string jobId);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Warning, Message = "Job {JobId}: watching the record for a cancel failed")]
    public static partial void CancelWatchFailed(this ILogger logger, Exception exception, string jobId);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Warning, Message = "Job {JobId} was told of a permit that the gate's state does not show (a discarded run of the gate); it asks again")]
    public static partial void PermitNotConfirmed(this ILogger logger, string jobId);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Warning, Message = "Job {JobId}: its output could not be written to storage; it is tried again")]
    public static partial void LogUploadFailed(this ILogger logger, Exception exception, string jobId);

    [LoggerMessage(EventId = 3008, Level = LogLevel.Warning, Message = "Job {JobId} could not be started, and returning the permit asked for it failed too ({Error}); the sweep returns it")]
    public static partial void PermitReleaseFailed(this ILogger logger, string jobId, string error);

    // 4xxx: The sweep (Maintenance/OrphanSweeper)

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Sweep: {TasksDisabled} orphaned tasks disabled, {JobsFailed} lost jobs failed, {PermitsReclaimed} permits reclaimed, {WakersPurged} finished wake-ups purged in {DurationMs} ms")]
    public static partial void SweepDone(this ILogger logger, int tasksDisabled, int jobsFailed, int permitsReclaimed, int wakersPurged, long durationMs);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "Sweep disabled task {TaskId}: function '{Function}' is not registered")]
    public static partial void SweepDisabledTask(this ILogger logger, string taskId, string function);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "Sweep failed job {JobId}: {Reason}")]
    public static partial void SweepFailedJob(this ILogger logger, string jobId, string reason);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Warning, Message = "Sweep reclaimed the permit of job {JobId}")]
    public static partial void SweepReclaimedPermit(this ILogger logger, string jobId);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Warning, Message = "Sweep: the gate did not show the reclaim of {Count} permits in time; it is applied when the gate next runs")]
    public static partial void SweepReclaimNotApplied(this ILogger logger, int count);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Information, Message = "Sweep retention: {JobsRemoved} finished jobs removed with their history, {ArtifactsRemoved} artifacts removed with their blobs, {KeysRemoved} expired idempotency keys removed; more due next run: {BacklogLeft}")]
    public static partial void SweepRetention(this ILogger logger, int jobsRemoved, int artifactsRemoved, int keysRemoved, bool backlogLeft);

    [LoggerMessage(EventId = 4007, Level = LogLevel.Information, Message = "Sweep: {Paused} schedules paused (their task is gone), {Healed} schedule drivers started, {Overdue} schedules overdue, {Purged} ended drivers purged")]
    public static partial void SweepSchedules(this ILogger logger, int paused, int healed, int overdue, int purged);

    // 5xxx: The gate (Gate/)

    [LoggerMessage(EventId = 5001, Level = LogLevel.Warning, Message = "The gate granted {Count} job(s) that had already ended (an acquire delivered again after its release): {JobIds}; their permits are returned")]
    public static partial void EndedJobsGranted(this ILogger logger, int count, string jobIds);

    // 6xxx: Schedules (Schedules/)

    [LoggerMessage(EventId = 6001, Level = LogLevel.Warning, Message = "Schedule {ScheduleId} missed {Count} occurrence(s): older than its catch-up window")]
    public static partial void ScheduleMissedFires(this ILogger logger, string scheduleId, long count);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Warning, Message = "Schedule {ScheduleId} paused itself: {Reason}")]
    public static partial void SchedulePaused(this ILogger logger, string scheduleId, string reason);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Warning, Message = "Sweep: schedule {ScheduleId} had no running driver; started one")]
    public static partial void SweepHealedSchedule(this ILogger logger, string scheduleId);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Warning, Message = "Sweep: schedule {ScheduleId} is overdue: its occurrence {Occurrence} has not fired")]
    public static partial void SweepOverdueSchedule(this ILogger logger, string scheduleId, DateTimeOffset occurrence);

    [LoggerMessage(EventId = 6005, Level = LogLevel.Warning, Message = "The buffered job {JobId} was not told that the job it waits for has ended; the sweep tells it again")]
    public static partial void BufferedJobNotReleased(this ILogger logger, Exception exception, string jobId);
}
