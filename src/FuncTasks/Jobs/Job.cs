using System.Text.Json;
using System.Text.Json.Serialization;
using FuncTasks.Tasks;

namespace FuncTasks.Jobs;

[JsonConverter(typeof(JsonStringEnumConverter<JobStatus>))]
public enum JobStatus
{
    Pending,
    Running,
    Completed,
    Failed,
    Canceled,
}

/// <summary>Why a job failed: <c>type</c> is an exception type or one of the app's slugs (timeout, exit_code, ...).</summary>
public sealed record JobError(string Type, string Message)
{
    /// <summary>A refusal met while the job ran (the shell policy changed since it was accepted): its slug, in snake_case, is the type.</summary>
    public static JobError Of(RefusalException refusal)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        return new JobError(refusal.Slug.Replace('-', '_'), refusal.Message);
    }
}

public sealed record JobProgress(double? Percent, string? Message, DateTimeOffset UpdatedAt);

/// <summary>One execution of a task: the record behind <c>/api/v1/jobs/{id}</c>.</summary>
public sealed record Job(
    string Id,
    string TaskId,
    TaskType TaskType,
    string Command,
    JsonElement? Params,
    JobStatus Status,
    DateTimeOffset SubmittedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    JobError? Error,
    int? ExitCode,
    string? ArtifactId,
    JobProgress? Progress)
{
    /// <summary>When the job joined the concurrency gate's line: its acceptance (null when the gate is off).</summary>
    public DateTimeOffset? PermitRequestedAt { get; init; }

    /// <summary>When it got the permit; requested but not granted means it is waiting for one.</summary>
    public DateTimeOffset? PermitGrantedAt { get; init; }

    /// <summary>The attempt running or last run (1-based; above 1 only with a retry policy).</summary>
    public int Attempt { get; init; }

    /// <summary>When a delayed job is due; null for a job that runs at once.</summary>
    public DateTimeOffset? ScheduledFor { get; init; }

    /// <summary>The schedule that started it; null for a job started by a client.</summary>
    public string? ScheduleId { get; init; }

    /// <summary>The job it reran; null for a first run.</summary>
    public string? RerunOf { get; init; }

    /// <summary>The effective environment of a shell job (kept for a rerun; not shown: it may hold what the API does not).</summary>
    [JsonIgnore]
    public IReadOnlyDictionary<string, string>? Env { get; init; }

    [JsonIgnore]
    public bool IsFinished => Status is JobStatus.Completed or JobStatus.Failed or JobStatus.Canceled;

    // The transitions of a job's record, each in one place; null means "no change". JobLifecycle writes them.

    /// <summary>
    /// Pending becomes running (the first attempt) or a running job moves on to a later attempt. An attempt that
    /// already began (its activity delivered again) changes nothing: a redelivery is not a new attempt.
    /// </summary>
    public Job? Begin(int attempt, DateTimeOffset now, DateTimeOffset? permitGrantedAt) => Status switch
    {
        JobStatus.Pending => this with
        {
            Status = JobStatus.Running,
            StartedAt = now,
            Attempt = attempt,
            PermitGrantedAt = permitGrantedAt ?? PermitGrantedAt,
        },
        JobStatus.Running when attempt > Attempt => this with { Attempt = attempt },
        _ => null,
    };

    /// <summary>A running job's progress.</summary>
    public Job? Report(JobProgress progress) => Status == JobStatus.Running ? this with { Progress = progress } : null;

    /// <summary>An attempt failed and another follows: the job runs on, showing why the last one failed.</summary>
    public Job? FailAttempt(JobError? error, int? exitCode) => Status == JobStatus.Running ? this with { Error = error, ExitCode = exitCode } : null;

    /// <summary>The job ends (completed, failed or canceled): stamped with when and why; null if it had already ended.</summary>
    public Job? End(JobStatus status, JobError? error, DateTimeOffset now)
    {
        if (status is not (JobStatus.Completed or JobStatus.Failed or JobStatus.Canceled))
        {
            throw new ArgumentOutOfRangeException(nameof(status), status, "A job ends completed, failed or canceled.");
        }

        return IsFinished ? null : this with { Status = status, FinishedAt = now, Error = error };
    }
}

/// <summary>What a running job's code knows about the job; task functions can have it injected.</summary>
public sealed record JobContext(string JobId, string TaskId, string ResultArtifactId, int Attempt);
