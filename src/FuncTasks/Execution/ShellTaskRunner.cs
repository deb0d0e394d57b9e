using FuncTasks.Api;
using FuncTasks.Artifacts;
using FuncTasks.Jobs;
using FuncTasks.Output;
using FuncTasks.Tasks;
using Microsoft.DurableTask.Client;

namespace FuncTasks.Execution;

/// <summary>Runs a shell task's attempt: the command as the shell policy plans it, its output kept whole.</summary>
public sealed class ShellTaskRunner(ShellRunner shellRunner, ShellPolicy shell, ArtifactStore artifacts) : ITaskRunner
{
    public TaskType TaskType => TaskType.Shell;

    public async Task<AttemptResult> RunAsync(JobRun run, JobContext job, DurableTaskClient client, JobOutputWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        ShellInvocation invocation;
        try
        {
            // Checked again here: the policy may have changed since the job was accepted.
            invocation = shell.Plan(run.Task.Command, "command");
        }
        catch (RefusalException refused)
        {
            return Ended(run, JobStatus.Failed, null, JobError.Of(refused));
        }

        var timeout = TimeSpan.FromSeconds(run.TimeoutSeconds);
        ShellResult result;
        try
        {
            result = invocation.UseShell
                ? await shellRunner.RunAsync(invocation.Command, run.Env, timeout, output, cancellationToken)
                : await shellRunner.RunAsync(invocation.Executable, invocation.Arguments, run.Env, timeout, output, cancellationToken);
        }
        catch (Exception ex) when (ex is CliWrap.Exceptions.CliWrapException or System.ComponentModel.Win32Exception)
        {
            return Ended(run, JobStatus.Failed, null, new JobError("executable_not_found", ex.Message));
        }

        using var _ = result;
        var (status, error) = result switch
        {
            { TimedOut: true } => (JobStatus.Failed, AttemptResult.Timeout(run)),
            { Canceled: true } => (JobStatus.Canceled, new JobError("canceled", "Canceled while running; the process was killed.")),
            { ExitCode: 0 } => (JobStatus.Completed, (JobError?)null),
            _ => (JobStatus.Failed, new JobError("exit_code", $"The command exited with code {result.ExitCode}.")),
        };
        var stdoutId = await SaveWholeAsync(run, "stdout", result.Stdout);
        var stderrId = await SaveWholeAsync(run, "stderr", result.Stderr);
        return Ended(run, status, result, error, stdoutId, stderrId);
    }

    /// <summary>A stream that did not fit inline, kept whole as a child artifact of the result (its id derived from the result's, so a rerun rewrites it).</summary>
    private async Task<string?> SaveWholeAsync(JobRun run, string name, OutputCaptureStream capture)
    {
        if (!capture.Truncated)
        {
            return null;
        }

        var id = UlidIds.Derive(run.ResultArtifactId, name);
        await artifacts.WriteAsync(id, new ArtifactLinks(run.JobId, run.Task.Id, run.ResultArtifactId), "text/plain", capture.OpenFull(), CancellationToken.None);
        return id;
    }

    private static AttemptResult Ended(JobRun run, JobStatus status, ShellResult? result, JobError? error, string? stdoutId = null, string? stderrId = null) =>
        new(status, error, result?.ExitCode, new ShellResultArtifact(
            run.Task,
            result?.Stdout.InlineText ?? string.Empty,
            result?.Stderr.InlineText ?? string.Empty,
            result?.ExitCode,
            result is not null && (result.Stdout.Truncated || result.Stderr.Truncated),
            error)
        {
            StdoutArtifactId = stdoutId,
            StderrArtifactId = stderrId,
            StdoutBytes = result?.Stdout.TotalBytes,
            StderrBytes = result?.Stderr.TotalBytes,
        });
}
