using System.Text.Json;
using System.Text.Json.Nodes;
using FuncTasks.Api;
using FuncTasks.Artifacts;
using FuncTasks.Gate;
using FuncTasks.Hosting;
using FuncTasks.Jobs;
using FuncTasks.TaskFunctions;
using FuncTasks.Tasks;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FuncTasks.Execution;

/// <summary>
/// The work of a job, run by its activity: marks the job running, runs the function or the command
/// (watching the record for a cancel, enforcing the timeout), writes the result artifact, and records
/// how it ended. Activities can run more than once; every write here is keyed or conditional so a
/// second run leaves one result.
/// </summary>
public sealed partial class JobExecutor(
    JobStore jobs,
    ArtifactStore artifacts,
    TaskFunctionRegistry functions,
    TaskFunctionInvoker invoker,
    ShellRunner shellRunner,
    ShellPolicy shell,
    JobSchedulerFactory schedulers,
    IOptions<ExecutionOptions> options,
    IOptions<ConcurrencyOptions> gateOptions,
    FuncTasksMetrics metrics,
    TimeProvider clock,
    ILogger<JobExecutor> logger)
{
    public async Task<JobOutcome> RunAsync(JobRun run, DurableTaskClient client, CancellationToken cancellationToken)
    {
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["JobId"] = run.JobId, ["TaskId"] = run.Task.Id });
        if (run.UseGate && !await GateClient.HoldsPermitAsync(client, run.JobId, TimeSpan.FromSeconds(gateOptions.Value.PermitConfirmSeconds), clock, cancellationToken).ConfigureAwait(false))
        {
            LogPermitNotConfirmed(logger, run.JobId);
            return JobOutcome.NoPermit;
        }

        var job = await StartAsync(run, cancellationToken).ConfigureAwait(false);
        if (job is null)
        {
            return new JobOutcome(JobStatus.Canceled, new JobError("deleted", "The job was deleted before it ran."));
        }

        if (job.Status != JobStatus.Running)
        {
            return new JobOutcome(job.Status, job.Error); // canceled (or finished) before this attempt began
        }

        LogJobStarted(logger, run.JobId, job.Attempt);
        if (job.Attempt == 1)
        {
            metrics.JobStarted(job);
        }

        if (run.UseGate)
        {
            metrics.PermitTaken();
        }

        try
        {
            return await RunAttemptAsync(run, job, client, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (run.UseGate)
            {
                metrics.PermitReturned();
            }
        }
    }

    private async Task<JobOutcome> RunAttemptAsync(JobRun run, Job job, DurableTaskClient client, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var watcher = WatchForCancelAsync(run.JobId, stop);
        Attempt attempt;
        try
        {
            var context = new JobContext(run.JobId, run.Task.Id, run.ResultArtifactId, job.Attempt);
            attempt = run.Task.TaskType == TaskType.Function
                ? await RunFunctionAsync(run, context, client, stop.Token).ConfigureAwait(false)
                : await RunShellAsync(run, stop.Token).ConfigureAwait(false);
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await watcher.ConfigureAwait(false);
        }

        await artifacts.WriteAsync(run.ResultArtifactId, new ArtifactLinks(run.JobId, run.Task.Id, null), Artifact.JsonContentType,
            BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(attempt.Artifact, ApiJson.Options)), CancellationToken.None).ConfigureAwait(false);

        var maxAttempts = run.Task.Retry?.MaxAttempts ?? 1;
        if (attempt.Status == JobStatus.Failed && job.Attempt < maxAttempts)
        {
            await jobs.UpdateAsync(run.JobId, j => j.Status == JobStatus.Running ? j with { Error = attempt.Error, ExitCode = attempt.ExitCode } : null,
                CancellationToken.None).ConfigureAwait(false);
            LogAttemptFailed(logger, run.JobId, job.Attempt, maxAttempts, attempt.Error?.Message);
            throw new JobAttemptFailedException($"Attempt {job.Attempt} of {maxAttempts} failed: {attempt.Error?.Message}");
        }

        var (finished, ended) = await jobs.TransitionAsync(run.JobId, j => j.Status == JobStatus.Running
            ? j with
            {
                Status = attempt.Status,
                FinishedAt = Timestamps.Now(clock),
                Error = attempt.Error,
                ExitCode = attempt.ExitCode,
                ArtifactId = run.ResultArtifactId,
            }
            : null, CancellationToken.None).ConfigureAwait(false);
        if (ended)
        {
            metrics.JobEnded(finished!);
        }
        else if (finished is { IsFinished: true, ArtifactId: null })
        {
            // Canceled (or failed by the sweep) while it ran: keep that, but link what the run produced.
            finished = await jobs.UpdateAsync(run.JobId, j => j.ArtifactId is null ? j with { ArtifactId = run.ResultArtifactId, ExitCode = j.ExitCode ?? attempt.ExitCode } : null,
                CancellationToken.None).ConfigureAwait(false);
        }

        var outcome = new JobOutcome(finished?.Status ?? JobStatus.Canceled, finished?.Error);
        LogJobFinished(logger, run.JobId, outcome.Status, outcome.Error?.Type);
        return outcome;
    }

    /// <summary>Pending becomes running (attempt 1); running stays running with the next attempt (a retry).</summary>
    private Task<Job?> StartAsync(JobRun run, CancellationToken cancellationToken) =>
        jobs.UpdateAsync(run.JobId, job => job.Status switch
        {
            JobStatus.Pending => job with
            {
                Status = JobStatus.Running,
                StartedAt = Timestamps.Now(clock),
                Attempt = 1,
                PermitGrantedAt = run.PermitGrantedAt ?? job.PermitGrantedAt,
            },
            JobStatus.Running => job with { Attempt = job.Attempt + 1 },
            _ => null,
        }, cancellationToken);

    /// <summary>Cancels <paramref name="stop"/> when the record says the job is no longer running (a cancel, possibly from another instance).</summary>
    private async Task WatchForCancelAsync(string jobId, CancellationTokenSource stop)
    {
        var interval = TimeSpan.FromMilliseconds(options.Value.CancelPollMilliseconds);
        try
        {
            while (!stop.IsCancellationRequested)
            {
                await Task.Delay(interval, clock, stop.Token).ConfigureAwait(false);
                var job = await jobs.GetAsync(jobId, stop.Token).ConfigureAwait(false);
                if (job is null || job.Status != JobStatus.Running)
                {
                    LogCancelNoticed(logger, jobId);
                    await stop.CancelAsync().ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The run ended, or was stopped.
        }
        catch (Azure.RequestFailedException ex)
        {
            LogCancelWatchFailed(logger, ex, jobId);
        }
    }

    private async Task<Attempt> RunFunctionAsync(JobRun run, JobContext context, DurableTaskClient client, CancellationToken stop)
    {
        var function = functions.Find(run.Task.Command);
        if (function is null)
        {
            return FunctionAttempt(run, JobStatus.Failed, null, new JobError("function_not_found",
                $"No task function named '{run.Task.Command}' is registered in this app."), stack: null);
        }

        var services = new JobServices(context, new JobProgressReporter(jobs, run.JobId, clock), artifacts.ForJob(context), schedulers.Create(client));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(run.TimeoutSeconds), clock);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(stop, timeout.Token);
        var work = invoker.InvokeAsync(function, run.Params, services, linked.Token);
        var stopped = Task.Delay(Timeout.Infinite, linked.Token);
        if (await Task.WhenAny(work, stopped).ConfigureAwait(false) == work)
        {
            try
            {
                return FunctionAttempt(run, JobStatus.Completed, await work.ConfigureAwait(false), null, null);
            }
            catch (OperationCanceledException) when (linked.IsCancellationRequested)
            {
                // The function honoured the token: fall through to timeout or cancel.
            }
            catch (ArgumentException ex) when (ex.ParamName is not null && function.Arguments.Any(a => a.Name == ex.ParamName))
            {
                return FunctionAttempt(run, JobStatus.Failed, null, new JobError("invalid_params", ex.Message), null);
            }
            catch (InvalidTaskResultException ex)
            {
                return FunctionAttempt(run, JobStatus.Failed, null, new JobError("invalid_result", ex.Message), null);
            }
            catch (Exception ex)
            {
                return FunctionAttempt(run, JobStatus.Failed, null, new JobError(ex.GetType().FullName ?? ex.GetType().Name, ex.Message), ex.StackTrace);
            }
        }
        else
        {
            // A function that ignores its token keeps running on its own; the job does not wait for it.
            _ = work.ContinueWith(static t => t.Exception, TaskScheduler.Default);
        }

        return timeout.IsCancellationRequested && !stop.IsCancellationRequested
            ? FunctionAttempt(run, JobStatus.Failed, null, TimeoutError(run), null)
            : FunctionAttempt(run, JobStatus.Canceled, null, new JobError("canceled", "Canceled while running."), null);
    }

    private async Task<Attempt> RunShellAsync(JobRun run, CancellationToken stop)
    {
        ShellInvocation invocation;
        try
        {
            // Checked again here: the policy may have changed since the job was accepted.
            invocation = shell.Plan(run.Task.Command, "command");
        }
        catch (RefusalException refused)
        {
            return ShellAttempt(run, JobStatus.Failed, null, new JobError(refused.Slug.Replace('-', '_'), refused.Message), null);
        }

        var timeout = TimeSpan.FromSeconds(run.TimeoutSeconds);
        ShellResult result;
        try
        {
            result = invocation.UseShell
                ? await shellRunner.RunAsync(invocation.Command, run.Env, timeout, stop).ConfigureAwait(false)
                : await shellRunner.RunAsync(invocation.Executable, invocation.Arguments, run.Env, timeout, stop).ConfigureAwait(false);
        }
        catch (CliWrap.Exceptions.CliWrapException ex)
        {
            return ShellAttempt(run, JobStatus.Failed, null, new JobError("executable_not_found", ex.Message), null);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return ShellAttempt(run, JobStatus.Failed, null, new JobError("executable_not_found", ex.Message), null);
        }

        using var _ = result;
        var (status, error) = result switch
        {
            { TimedOut: true } => (JobStatus.Failed, TimeoutError(run)),
            { Canceled: true } => (JobStatus.Canceled, new JobError("canceled", "Canceled while running; the process was killed.")),
            { ExitCode: 0 } => (JobStatus.Completed, (JobError?)null),
            _ => (JobStatus.Failed, new JobError("exit_code", $"The command exited with code {result.ExitCode}.")),
        };
        return ShellAttempt(run, status, result, error, await SaveFullOutputAsync(run, result).ConfigureAwait(false));
    }

    /// <summary>Keeps each stream that did not fit inline as a child artifact of the result (ids derived from it, so a rerun rewrites them).</summary>
    private async Task<Dictionary<string, string>> SaveFullOutputAsync(JobRun run, ShellResult result)
    {
        var saved = new Dictionary<string, string>();
        foreach (var (name, capture) in new[] { ("stdout", result.Stdout), ("stderr", result.Stderr) })
        {
            if (capture.Truncated)
            {
                var id = UlidIds.Derive(run.ResultArtifactId, name);
                await artifacts.WriteAsync(id, new ArtifactLinks(run.JobId, run.Task.Id, run.ResultArtifactId), "text/plain",
                    capture.OpenFull(), CancellationToken.None).ConfigureAwait(false);
                saved[$"{name}_artifact_id"] = id;
            }
        }

        return saved;
    }

    private static JobError TimeoutError(JobRun run) => new("timeout", $"Timed out after {run.TimeoutSeconds} s.");

    private static Attempt FunctionAttempt(JobRun run, JobStatus status, JsonElement? result, JobError? error, string? stack) =>
        new(status, error, null, new JsonObject
        {
            ["task"] = JsonSerializer.SerializeToNode(run.Task, ApiJson.Options),
            ["params"] = run.Params is { } p ? JsonNode.Parse(p.GetRawText()) : null,
            ["result"] = result is { } r ? JsonNode.Parse(r.GetRawText()) : null,
            ["error"] = error is null ? null : new JsonObject { ["type"] = error.Type, ["message"] = error.Message, ["stack"] = stack },
        });

    private static Attempt ShellAttempt(JobRun run, JobStatus status, ShellResult? result, JobError? error, Dictionary<string, string>? children)
    {
        var artifact = new JsonObject
        {
            ["task"] = JsonSerializer.SerializeToNode(run.Task, ApiJson.Options),
            ["stdout"] = result?.Stdout.InlineText ?? string.Empty,
            ["stderr"] = result?.Stderr.InlineText ?? string.Empty,
            ["exit_code"] = result?.ExitCode,
            ["truncated"] = result is not null && (result.Stdout.Truncated || result.Stderr.Truncated),
            ["error"] = error is null ? null : new JsonObject { ["type"] = error.Type, ["message"] = error.Message },
        };
        foreach (var (key, id) in children ?? [])
        {
            artifact[key] = id;
        }

        if (result is not null)
        {
            artifact["stdout_bytes"] = result.Stdout.TotalBytes;
            artifact["stderr_bytes"] = result.Stderr.TotalBytes;
        }

        return new Attempt(status, error, result?.ExitCode, artifact);
    }

    private sealed record Attempt(JobStatus Status, JobError? Error, int? ExitCode, JsonObject Artifact);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Job {JobId} started (attempt {Attempt})")]
    private static partial void LogJobStarted(ILogger logger, string jobId, int attempt);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "Job {JobId} finished: {Status} {ErrorType}")]
    private static partial void LogJobFinished(ILogger logger, string jobId, JobStatus status, string? errorType);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "Job {JobId} attempt {Attempt} of {MaxAttempts} failed: {Message}; retrying")]
    private static partial void LogAttemptFailed(ILogger logger, string jobId, int attempt, int maxAttempts, string? message);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Information, Message = "Job {JobId} is no longer running per its record; stopping its work")]
    private static partial void LogCancelNoticed(ILogger logger, string jobId);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Warning,
        Message = "Job {JobId} was told of a permit that the gate's state does not show (a discarded run of the gate); it asks again")]
    private static partial void LogPermitNotConfirmed(ILogger logger, string jobId);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Warning, Message = "Job {JobId}: watching the record for a cancel failed")]
    private static partial void LogCancelWatchFailed(ILogger logger, Exception exception, string jobId);
}

/// <summary>An attempt failed and the task's retry policy allows another: Durable retries the activity.</summary>
public sealed class JobAttemptFailedException : Exception
{
    public JobAttemptFailedException()
    {
    }

    public JobAttemptFailedException(string message)
        : base(message)
    {
    }

    public JobAttemptFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
