using System.Text.Json;
using FuncTasks.Api;
using FuncTasks.Gate;
using FuncTasks.Hosting;
using FuncTasks.Jobs;
using FuncTasks.Output;
using FuncTasks.TaskFunctions;
using FuncTasks.Tasks;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Client.Entities;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FuncTasks.Execution;

/// <summary>
/// Starts, cancels and deletes jobs. <see cref="ExecuteAsync"/> checks everything it can before
/// anything is scheduled, writes the pending record, then starts the job's orchestration (instance
/// id = job id). Task functions can have it injected to start other tasks.
/// </summary>
public sealed class JobScheduler
{
    public const string CancelEvent = "cancel";

    /// <summary>Raised on a buffered job when the schedule's job it waits for has ended.</summary>
    public const string PreviousEndedEvent = "previous-ended";

    private readonly DurableTaskClient client;
    private readonly TaskStore tasks;
    private readonly JobStore jobs;
    private readonly JobOutputStore outputs;
    private readonly JobLifecycle lifecycle;
    private readonly TaskFunctionRegistry functions;
    private readonly ExecutionOptions execution;
    private readonly ShellPolicy shell;
    private readonly ConcurrencyOptions concurrency;
    private readonly PermitRequestPlanner permitRequests;
    private readonly TimeProvider clock;
    private readonly ILogger logger;

    internal JobScheduler(DurableTaskClient client, TaskStore tasks, JobStore jobs, JobOutputStore outputs, JobLifecycle lifecycle, TaskFunctionRegistry functions,
        ExecutionOptions execution, ShellPolicy shell, ConcurrencyOptions concurrency, PermitRequestPlanner permitRequests,
        TimeProvider clock, ILogger logger)
    {
        this.client = client;
        this.tasks = tasks;
        this.jobs = jobs;
        this.outputs = outputs;
        this.lifecycle = lifecycle;
        this.functions = functions;
        this.execution = execution;
        this.shell = shell;
        this.concurrency = concurrency;
        this.permitRequests = permitRequests;
        this.clock = clock;
        this.logger = logger;
    }

    /// <summary>Accepts a job for the task and starts it; the job as accepted (pending).</summary>
    public Task<Job> ExecuteAsync(string taskId, ExecuteRequest request, CancellationToken cancellationToken = default) =>
        ExecuteAsync(taskId, request, JobOrigin.Client, cancellationToken);

    /// <summary>
    /// A new job of a finished job's task, with that job's effective params (function tasks) or env (shell tasks) and the
    /// request's over them; it carries <c>rerun_of</c>. Everything else is as for <see cref="ExecuteAsync(string, ExecuteRequest, CancellationToken)"/>.
    /// </summary>
    public async Task<Job> RerunAsync(string jobId, ExecuteRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var previous = await jobs.GetAsync(jobId, cancellationToken) ?? throw Refusals.NotFound("job", jobId);
        if (!previous.IsFinished)
        {
            throw Refusals.Conflict("job-not-finished", "The job has not finished",
                $"The job '{jobId}' is {EnumNames.ToSnake(previous.Status)}; a job can be rerun once it has finished (or cancel it first).");
        }

        var again = previous.TaskType == TaskType.Function
            ? request with { Params = ExecuteRequest.MergeParams(previous.Params, request.Params) }
            : request with { Env = ExecuteRequest.MergeEnv(previous.Env ?? new Dictionary<string, string>(), request.Env) };
        return await ExecuteAsync(previous.TaskId, again, JobOrigin.Client with { RerunOf = jobId }, cancellationToken);
    }

    /// <summary>
    /// Accepts a job for the task and starts it, as <paramref name="origin"/> says (a schedule's fire or trigger). A job
    /// whose id the origin fixes is created at most once: when its record exists already (a fire delivered twice), that
    /// job is returned and its orchestration started only if it is missing.
    /// </summary>
    public async Task<Job> ExecuteAsync(string taskId, ExecuteRequest request, JobOrigin origin, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(origin);
        var task = (await tasks.GetAsync(taskId, cancellationToken))?.Value
            ?? throw Refusals.NotFound("task", taskId);
        if (!task.Enabled)
        {
            throw Refusals.Conflict("task-disabled", "The task is disabled",
                $"The task '{taskId}' is disabled{(task.DisabledReason is { } why ? $" ({why})" : string.Empty)}; enable it with PUT to execute it.");
        }

        JsonElement? parameters = null;
        var env = ExecuteRequest.MergeEnv(task.Env, null);
        if (task.TaskType == TaskType.Function)
        {
            var function = functions.Find(task.Command) ?? throw Refusals.Conflict("function-not-registered",
                "The task's function is not registered",
                $"No task function named '{task.Command}' is registered in this app; GET /api/v1/tasks/$orphaned lists such tasks.");
            RejectOtherKindsFields(task.TaskType, request);
            parameters = ExecuteRequest.MergeParams(task.Params, request.Params);
            var errors = TaskArguments.Check(function, parameters, requireAll: true);
            if (errors.Count > 0)
            {
                throw Refusals.Validation(errors, $"The params do not fit the task function '{function.Name}'; see errors.");
            }
        }
        else
        {
            shell.EnsureAllowed(task.Command, "command");
            RejectOtherKindsFields(task.TaskType, request);
            env = ExecuteRequest.MergeEnv(task.Env, request.Env);
        }

        var submittedAt = Timestamps.Now(clock);
        var dueAt = request.DueAt(submittedAt);
        var scheduledFor = origin.Occurrence ?? dueAt;
        var job = new Job(origin.JobId ?? UlidIds.New(clock), task.Id, task.TaskType, task.Command, parameters, JobStatus.Pending,
            submittedAt, null, null, null, null, null, null)
        {
            // A job joins the gate's line when it is accepted, or, delayed, when it is due (its orchestration asks then).
            PermitRequestedAt = concurrency.Enabled ? scheduledFor ?? submittedAt : null,
            ScheduledFor = scheduledFor,
            RerunOf = origin.RerunOf,
            ScheduleId = origin.ScheduleId,
            Env = task.TaskType == TaskType.Shell ? env : null,
        };
        if (!await jobs.TryCreateAsync(job, cancellationToken))
        {
            // Its id was fixed by the origin and it exists: the same fire again. Start its orchestration only if that never happened.
            var existing = await jobs.GetAsync(job.Id, cancellationToken) ?? throw new InvalidOperationException($"The job '{job.Id}' exists and does not.");
            if (await client.GetInstanceAsync(job.Id, cancellationToken) is not null || existing.IsFinished)
            {
                return existing;
            }

            job = existing;
        }

        var run = new JobRun(job.Id, task, parameters, env, task.TimeoutSeconds ?? execution.DefaultTimeoutSeconds,
            UlidIds.New(clock), concurrency.Enabled)
        {
            WatchForPermit = concurrency.Enabled && dueAt is null && origin.AfterJobId is null && permitRequests.ShouldWatch(concurrency.Limit),
            ScheduledFor = dueAt,
            ScheduleId = origin.ScheduleId,
            AfterJobId = origin.AfterJobId,
        };
        try
        {
            // A watched job's permit is asked for here, beside the start: the gate then has it while the orchestration's
            // first episode runs, and RunJob usually finds it granted on its first look.
            await Task.WhenAll(
                client.ScheduleNewOrchestrationInstanceAsync(JobOrchestrator.Name, run, new StartOrchestrationOptions(job.Id), cancellationToken),
                run.WatchForPermit
                    ? client.Entities.SignalEntityAsync(ConcurrencyGate.Id, ConcurrencyGate.Operations.AcquireWatched, job.Id, cancellation: cancellationToken)
                    : Task.CompletedTask);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Nothing will run it: say so on the record rather than leave it pending. A permit it may have got goes back
            // (if this fails too, the sweep returns permits of ended jobs).
            await lifecycle.EndAsync(job.Id, JobStatus.Failed, new JobError("scheduling_failed", ex.Message), CancellationToken.None);
            if (run.WatchForPermit)
            {
                try
                {
                    await client.Entities.SignalEntityAsync(ConcurrencyGate.Id, ConcurrencyGate.Operations.Release, job.Id, cancellation: CancellationToken.None);
                }
                catch (Exception releaseFailed) when (releaseFailed is not OperationCanceledException)
                {
                    logger.PermitReleaseFailed(job.Id, releaseFailed.Message);
                }
            }

            throw;
        }

        logger.JobAccepted(job.Id, task.Id, task.TaskType);
        return job;
    }

    private static void RejectOtherKindsFields(TaskType type, ExecuteRequest request)
    {
        var errors = new Dictionary<string, string[]>();
        TaskKindFields.Check(type, request.Params, request.Env, errors);
        if (errors.Count > 0)
        {
            throw Refusals.Validation(errors, errors.Values.First()[0]);
        }
    }

    /// <summary>Cancels a pending or running job; a running shell process is killed by its activity.</summary>
    public async Task<Job> CancelAsync(string jobId, CancellationToken cancellationToken = default)
    {
        var (job, canceled) = await lifecycle.EndAsync(jobId, JobStatus.Canceled, new JobError("canceled", "Canceled by a client."), cancellationToken);
        if (job is null)
        {
            throw Refusals.NotFound("job", jobId);
        }

        if (!canceled)
        {
            throw Refusals.Conflict("job-finished", "The job has already finished",
                $"The job '{jobId}' is {EnumNames.ToSnake(job.Status)}; only pending or running jobs can be canceled.");
        }

        // Wakes the orchestration if it is waiting for a permit; a running activity notices the record.
        await RaiseCancelAsync(jobId, cancellationToken);
        logger.JobCanceled(jobId);
        return job;
    }

    /// <summary>Cancels the job if it is still going, then removes its orchestration history, its logs and its record.</summary>
    public async Task DeleteAsync(string jobId, CancellationToken cancellationToken = default)
    {
        var job = await jobs.GetAsync(jobId, cancellationToken) ?? throw Refusals.NotFound("job", jobId);
        if (!job.IsFinished)
        {
            try
            {
                await CancelAsync(jobId, cancellationToken);
            }
            catch (RefusalException ex) when (ex.Kind == RefusalKind.Conflict)
            {
                // It finished meanwhile.
            }
        }

        await RemoveOrchestrationAsync(jobId, cancellationToken);
        if (concurrency.Enabled)
        {
            // A terminated orchestration cannot return its permit: return it here (release is idempotent).
            await client.Entities.SignalEntityAsync(ConcurrencyGate.Id, ConcurrencyGate.Operations.Release, jobId, cancellation: cancellationToken);
        }

        await outputs.DeleteAsync(jobId, cancellationToken);
        await jobs.DeleteAsync(jobId, cancellationToken);
        logger.JobDeleted(jobId);
    }

    private async Task RaiseCancelAsync(string jobId, CancellationToken cancellationToken)
    {
        try
        {
            await client.RaiseEventAsync(jobId, CancelEvent, jobId, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.CancelEventNotDelivered(ex, jobId);
        }
    }

    /// <summary>
    /// Waits for the job's orchestration to end on its own (a canceled job's activity notices within the
    /// cancel poll interval, a waiting one gets the cancel event), terminates it only if it does not, then
    /// purges its history. Terminating first would leave the cancel event in flight, and a message that
    /// arrives after the purge brought the instance's status row back (seen with the Azure Storage backend).
    /// </summary>
    private async Task RemoveOrchestrationAsync(string jobId, CancellationToken cancellationToken)
    {
        var instance = await client.GetInstanceAsync(jobId, cancellationToken);
        if (instance is null)
        {
            return;
        }

        if (!instance.IsCompleted && !await WaitForEndAsync(jobId, cancellationToken))
        {
            await client.TerminateInstanceAsync(jobId, new TerminateInstanceOptions("The job was deleted."), cancellationToken);
            if (!await WaitForEndAsync(jobId, cancellationToken))
            {
                logger.JobOrchestrationNotEnded(jobId);
                return; // the record still goes; the history stays (Durable purges only finished instances)
            }
        }

        await client.PurgeInstanceAsync(jobId, cancellation: cancellationToken);
    }

    private async Task<bool> WaitForEndAsync(string jobId, CancellationToken cancellationToken)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(TimeSpan.FromSeconds(30));
        try
        {
            await client.WaitForInstanceCompletionAsync(jobId, wait.Token);
            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

}

/// <summary>Who asked for a job: a client (perhaps rerunning a job) or a schedule (a fire, with the job id and occurrence fixed, or a trigger).</summary>
public sealed record JobOrigin
{
    public static readonly JobOrigin Client = new();

    /// <summary>The job's id when the origin fixes it (a fire: derived from the schedule and the occurrence).</summary>
    public string? JobId { get; init; }

    public string? RerunOf { get; init; }

    public string? ScheduleId { get; init; }

    /// <summary>The occurrence a fire is for: the job's <c>scheduled_for</c>.</summary>
    public DateTimeOffset? Occurrence { get; init; }

    /// <summary>A buffered job starts when this one has ended.</summary>
    public string? AfterJobId { get; init; }
}

/// <summary>Makes <see cref="JobScheduler"/>s for a Durable client (HTTP triggers and activities each get theirs from a binding).</summary>
public sealed class JobSchedulerFactory(TaskStore tasks, JobStore jobs, JobOutputStore outputs, JobLifecycle lifecycle, TaskFunctionRegistry functions,
    IOptions<ExecutionOptions> execution, ShellPolicy shell, IOptions<ConcurrencyOptions> concurrency, PermitRequestPlanner permitRequests,
    TimeProvider clock, ILoggerFactory loggers)
{
    public JobScheduler Create(DurableTaskClient client) =>
        new(client, tasks, jobs, outputs, lifecycle, functions, execution.Value, shell, concurrency.Value, permitRequests, clock, loggers.CreateLogger<JobScheduler>());
}
