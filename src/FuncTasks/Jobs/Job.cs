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
public sealed record JobError(string Type, string Message);

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

    [JsonIgnore]
    public bool IsFinished => Status is JobStatus.Completed or JobStatus.Failed or JobStatus.Canceled;
}

/// <summary>What a running job's code knows about the job; task functions can have it injected.</summary>
public sealed record JobContext(string JobId, string TaskId, string ResultArtifactId, int Attempt);
