using System.Text.Json;
using System.Text.Json.Serialization;
using FuncTasks.Jobs;
using FuncTasks.Output;
using FuncTasks.Tasks;
using Microsoft.DurableTask.Client;

namespace FuncTasks.Execution;

/// <summary>Runs one attempt of a job of one kind of task; <see cref="JobExecutor"/> does the rest (record, watch, artifact).</summary>
public interface ITaskRunner
{
    TaskType TaskType { get; }

    /// <summary>
    /// Runs the work until it ends, times out (<see cref="JobRun.TimeoutSeconds"/>) or <paramref name="cancellationToken"/> fires (a cancel);
    /// what it prints or logs goes to <paramref name="output"/>, the job's live log, as it happens.
    /// </summary>
    Task<AttemptResult> RunAsync(JobRun run, JobContext job, DurableTaskClient client, JobOutputWriter output, CancellationToken cancellationToken);
}

/// <summary>What an attempt produced: how it ended, and the result artifact to write (one of the records below).</summary>
public sealed record AttemptResult(JobStatus Status, JobError? Error, int? ExitCode, object Artifact)
{
    public static JobError Timeout(JobRun run) => new("timeout", $"Timed out after {run.TimeoutSeconds} s.");
}

/// <summary>A function task's result artifact.</summary>
public sealed record FunctionResultArtifact(TaskDefinition Task, JsonElement? Params, JsonElement? Result, FunctionError? Error);

/// <summary>Why a function attempt failed; the stack when the function threw.</summary>
public sealed record FunctionError(string Type, string Message, string? Stack);

/// <summary>A shell task's result artifact: the ends of the streams inline; a stream past the inline limit whole in a child artifact.</summary>
public sealed record ShellResultArtifact(TaskDefinition Task, string Stdout, string Stderr, int? ExitCode, bool Truncated, JobError? Error)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? StdoutArtifactId { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? StderrArtifactId { get; init; }

    /// <summary>Bytes each stream wrote in all (absent when the command did not start).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? StdoutBytes { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? StderrBytes { get; init; }
}
