using System.Text.Json;
using FuncTasks.Api;
using FuncTasks.Artifacts;
using FuncTasks.Gate;
using FuncTasks.Hosting;
using FuncTasks.Jobs;
using FuncTasks.Output;
using FuncTasks.Tasks;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FuncTasks.Execution;

/// <summary>
/// One attempt of a job, run by its RunJob activity: checks the job holds its permit, begins the attempt on the
/// record, runs the task's runner while watching the record for a cancel, writes the result artifact, and ends the
/// job (or, with attempts left, tells the orchestration to try again). Activities can run more than once: every write
/// here is keyed or conditional, so a second delivery of an attempt leaves one result and counts no extra attempt.
/// </summary>
public sealed class JobExecutor(
    JobStore jobs,
    JobLifecycle lifecycle,
    ArtifactStore artifacts,
    JobOutputStore outputs,
    IEnumerable<ITaskRunner> runners,
    CancelWatcher cancelWatcher,
    GateClient gate,
    IOptions<ConcurrencyOptions> gateOptions,
    FuncTasksMetrics metrics,
    TimeProvider clock,
    ILogger<JobExecutor> logger)
{
    private readonly Dictionary<TaskType, ITaskRunner> runnerFor = runners.ToDictionary(r => r.TaskType);

    public async Task<JobOutcome> RunAsync(JobRun run, DurableTaskClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["JobId"] = run.JobId, ["TaskId"] = run.Task.Id });
        var permitGrantedAt = run.PermitGrantedAt;
        if (run.UseGate)
        {
            var confirm = TimeSpan.FromSeconds(gateOptions.Value.PermitConfirmSeconds);
            if (run.WatchForPermit)
            {
                if (!await gate.WatchForPermitAsync(client, run.JobId, confirm, cancellationToken))
                {
                    return JobOutcome.NoPermit; // it waits: the orchestration asks to be told
                }

                if (run.Attempt == 1)
                {
                    permitGrantedAt ??= Timestamps.Now(clock); // seen now; later attempts keep the first one's
                }
            }
            else if (!await gate.HoldsPermitAsync(client, run.JobId, confirm, cancellationToken))
            {
                logger.PermitNotConfirmed(run.JobId);
                return JobOutcome.NoPermit;
            }
        }

        var (job, _) = await lifecycle.BeginAsync(run.JobId, run.Attempt, permitGrantedAt, cancellationToken);
        if (job is null)
        {
            return new JobOutcome(JobStatus.Canceled, new JobError("deleted", "The job was deleted before it ran."));
        }

        if (job.Status != JobStatus.Running || job.Attempt > run.Attempt)
        {
            return new JobOutcome(job.Status, job.Error); // ended before this attempt began, or a late delivery of an earlier one
        }

        if (run.UseGate)
        {
            metrics.PermitTaken();
        }

        try
        {
            return await RunAttemptAsync(run, client, cancellationToken);
        }
        finally
        {
            if (run.UseGate)
            {
                metrics.PermitReturned();
            }
        }
    }

    private async Task<JobOutcome> RunAttemptAsync(JobRun run, DurableTaskClient client, CancellationToken cancellationToken)
    {
        AttemptResult attempt;
        using (var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            var watching = cancelWatcher.WatchAsync(run.JobId, stop);
            await using var output = outputs.OpenWriter(run.JobId, run.Task.TaskType,
                run.Attempt > 1 ? $"[functasks] attempt {run.Attempt} of {run.MaxAttempts}" : null);
            try
            {
                var context = new JobContext(run.JobId, run.Task.Id, run.ResultArtifactId, run.Attempt);
                attempt = await runnerFor[run.Task.TaskType].RunAsync(run, context, client, output, stop.Token);
            }
            finally
            {
                await stop.CancelAsync();
                await watching;
                // The whole log is in storage before the job's record says it ended, so a follower that sees the end has it all.
                await output.CompleteAsync();
            }
        }

        await artifacts.WriteAsync(run.ResultArtifactId, new ArtifactLinks(run.JobId, run.Task.Id, null), Artifact.JsonContentType,
            BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(attempt.Artifact, ApiJson.Options)), CancellationToken.None);

        if (attempt.Status == JobStatus.Failed && run.HasAttemptsLeft)
        {
            await jobs.UpdateAsync(run.JobId, j => j.FailAttempt(attempt.Error, attempt.ExitCode), CancellationToken.None);
            logger.JobAttemptFailed(run.JobId, run.Attempt, run.MaxAttempts, attempt.Error?.Message);
            return JobOutcome.AttemptFailed(attempt.Error);
        }

        var (finished, ended) = await lifecycle.EndAsync(run.JobId, attempt.Status, attempt.Error, CancellationToken.None,
            also: j => j with { ExitCode = attempt.ExitCode, ArtifactId = run.ResultArtifactId });
        if (!ended && finished is { IsFinished: true, ArtifactId: null })
        {
            // Canceled (or failed by the sweep) while it ran: keep that, but link what the run produced.
            finished = await jobs.UpdateAsync(run.JobId, j => j.ArtifactId is null ? j with { ArtifactId = run.ResultArtifactId, ExitCode = j.ExitCode ?? attempt.ExitCode } : null,
                CancellationToken.None);
        }

        return new JobOutcome(finished?.Status ?? JobStatus.Canceled, finished?.Error);
    }
}
