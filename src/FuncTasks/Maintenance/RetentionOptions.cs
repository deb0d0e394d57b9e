using System.ComponentModel.DataAnnotations;

namespace FuncTasks.Maintenance;

/// <summary>How long finished jobs, artifacts and idempotency keys stay (section <c>FuncTasks:Retention</c>); the sweep removes the rest.</summary>
public sealed class RetentionOptions
{
    public const string Section = "FuncTasks:Retention";

    /// <summary>Days a finished job (record and orchestration history) stays after it finished; 0 keeps jobs forever.</summary>
    [Range(0, 36500)]
    public int JobDays { get; set; } = 30;

    /// <summary>Days an artifact (row, blob and its children) stays after it was created; 0 keeps artifacts forever.</summary>
    [Range(0, 36500)]
    public int ArtifactDays { get; set; } = 30;

    /// <summary>
    /// At most this many jobs, this many artifacts (their children come along) and this many idempotency keys are removed
    /// per sweep, so a backlog drains over several runs and no run outgrows the timer.
    /// </summary>
    [Range(1, 10000)]
    public int BatchSize { get; set; } = 1000;
}
