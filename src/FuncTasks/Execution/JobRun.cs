using System.Text.Json;
using FuncTasks.Jobs;
using FuncTasks.Tasks;

namespace FuncTasks.Execution;

/// <summary>
/// Everything a job's orchestration needs, fixed when the job is accepted: the task as it was then,
/// the effective params and env, the timeout, and the id its result artifact will have (chosen up
/// front, so a rerun activity rewrites the same artifact instead of adding one).
/// </summary>
public sealed record JobRun(
    string JobId,
    TaskDefinition Task,
    JsonElement? Params,
    IReadOnlyDictionary<string, string> Env,
    int TimeoutSeconds,
    string ResultArtifactId,
    bool UseGate)
{
    /// <summary>
    /// How the job asks the gate for its permit (see <see cref="Gate.PermitRequestPlanner"/>): true, JobScheduler asked
    /// when it started the orchestration, which starts RunJob at once, and RunJob watches the gate for the permit; false,
    /// the orchestration asks and waits to be told.
    /// </summary>
    public bool WatchForPermit { get; init; }

    /// <summary>When the orchestration was told of its permit (context time); a watched permit is stamped by RunJob.</summary>
    public DateTimeOffset? PermitGrantedAt { get; init; }

    /// <summary>When the job is due: its orchestration waits on a durable timer until then, before it asks the gate.</summary>
    public DateTimeOffset? ScheduledFor { get; init; }

    /// <summary>The schedule that started the job: its orchestration tells the schedule when the job has ended.</summary>
    public string? ScheduleId { get; init; }

    /// <summary>A buffered job of a schedule waits for this job to end before it asks the gate (overlap <c>buffer_one</c>).</summary>
    public string? AfterJobId { get; init; }

    /// <summary>Which attempt this run is (1-based), numbered by the orchestration: a redelivered activity keeps its number.</summary>
    public int Attempt { get; init; } = 1;

    /// <summary>How many attempts the task's retry policy allows.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public int MaxAttempts => Task.Retry?.MaxAttempts ?? 1;

    /// <summary>Whether a failed attempt is followed by another.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool HasAttemptsLeft => Attempt < MaxAttempts;

    /// <summary>How long the orchestration waits before <paramref name="nextAttempt"/> (the policy's first delay, times its backoff per attempt).</summary>
    public TimeSpan DelayBefore(int nextAttempt) => Task.Retry is { } retry
        ? TimeSpan.FromSeconds(retry.FirstDelaySeconds * Math.Pow(retry.Backoff, nextAttempt - 2))
        : TimeSpan.Zero;
}

/// <summary>What a job's orchestration returns: how the job ended.</summary>
public sealed record JobOutcome(JobStatus Status, JobError? Error)
{
    /// <summary>RunJob's answer when the gate's committed state does not list the job as a holder: nothing ran, and the job asks again.</summary>
    public static JobOutcome NoPermit { get; } = new(JobStatus.Pending, null);

    /// <summary>RunJob's answer when an attempt failed and the retry policy allows another: the job runs on.</summary>
    public static JobOutcome AttemptFailed(JobError? error) => new(JobStatus.Running, error);

    /// <summary>Whether this is RunJob's <see cref="AttemptFailed"/>.</summary>
    public bool IsAttemptFailed() => Status == JobStatus.Running;
}
