using System.Text.Json;
using FuncTasks.Artifacts;
using FuncTasks.Jobs;
using FuncTasks.Output;
using FuncTasks.TaskFunctions;
using FuncTasks.Tasks;
using Microsoft.DurableTask.Client;

namespace FuncTasks.Execution;

/// <summary>Runs a function task's attempt: the registered function with its arguments and injected services, under the timeout.</summary>
public sealed class FunctionTaskRunner(
    TaskFunctionRegistry functions,
    TaskFunctionInvoker invoker,
    JobStore jobs,
    ArtifactStore artifacts,
    JobSchedulerFactory schedulers,
    TimeProvider clock) : ITaskRunner
{
    public TaskType TaskType => TaskType.Function;

    public async Task<AttemptResult> RunAsync(JobRun run, JobContext job, DurableTaskClient client, JobOutputWriter output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        var function = functions.Find(run.Task.Command);
        if (function is null)
        {
            return Ended(run, JobStatus.Failed, null, new JobError("function_not_found", $"No task function named '{run.Task.Command}' is registered in this app."));
        }

        var services = new JobServices(job, new JobProgressReporter(jobs, run.JobId, clock, output), artifacts.ForJob(job), schedulers.Create(client))
        {
            Output = output,
            Clock = clock,
        };
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(run.TimeoutSeconds), clock);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var work = invoker.InvokeAsync(function, run.Params, services, linked.Token);
        if (await Task.WhenAny(work, Task.Delay(Timeout.Infinite, linked.Token)) == work)
        {
            try
            {
                return Ended(run, JobStatus.Completed, await work, null);
            }
            catch (OperationCanceledException) when (linked.IsCancellationRequested)
            {
                // The function honoured the token: a timeout or a cancel, below.
            }
            catch (ArgumentException ex) when (ex.ParamName is not null && function.Arguments.Any(a => a.Name == ex.ParamName))
            {
                return Ended(run, JobStatus.Failed, null, new JobError("invalid_params", ex.Message));
            }
            catch (InvalidTaskResultException ex)
            {
                return Ended(run, JobStatus.Failed, null, new JobError("invalid_result", ex.Message));
            }
            catch (Exception ex)
            {
                return Ended(run, JobStatus.Failed, null, new JobError(ex.GetType().FullName ?? ex.GetType().Name, ex.Message), ex.StackTrace);
            }
        }
        else
        {
            // A function that ignores its token keeps running on its own; the job does not wait for it.
            _ = work.ContinueWith(static t => t.Exception, TaskScheduler.Default);
        }

        return timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested
            ? Ended(run, JobStatus.Failed, null, AttemptResult.Timeout(run))
            : Ended(run, JobStatus.Canceled, null, new JobError("canceled", "Canceled while running."));
    }

    private static AttemptResult Ended(JobRun run, JobStatus status, JsonElement? result, JobError? error, string? stack = null) =>
        new(status, error, null, new FunctionResultArtifact(run.Task, run.Params, result,
            error is null ? null : new FunctionError(error.Type, error.Message, stack)));
}
