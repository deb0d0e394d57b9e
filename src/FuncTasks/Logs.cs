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

    // 5xxx: The gate (Gate/)

    [LoggerMessage(EventId = 5001, Level = LogLevel.Warning, Message = "The gate granted {Count} job(s) that had already ended (an acquire delivered again after its release): {JobIds}; their permits are returned")]
    public static partial void EndedJobsGranted(this ILogger logger, int count, string jobIds);
}
