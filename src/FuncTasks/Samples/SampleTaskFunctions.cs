using FuncTasks.Artifacts;
using FuncTasks.Execution;
using FuncTasks.Jobs;
using FuncTasks.Storage;
using Microsoft.Extensions.Logging;

namespace FuncTasks.Samples;

public sealed record Greeting(string Message);

/// <summary>
/// The examples of the original design, shipped so its quick start and workflow run as written.
/// Copy their shape for your own: an attribute, typed arguments with defaults, injected services.
/// </summary>
public static partial class SampleTaskFunctions
{
    [TaskFunctions.TaskFunction("greet_user", Description = "Simple task that returns a greeting.")]
    public static Task<Greeting> GreetUser(string name = "World") => Task.FromResult(new Greeting($"Hello, {name}!"));

    [TaskFunctions.TaskFunction("process_data", Description = "Dependencies are automatically injected.")]
    public static async Task<object> ProcessData(StorageAccount storage, ArtifactStore artifacts, JobContext job, CancellationToken cancellationToken)
    {
        var note = await artifacts.SaveAsync(new { job_id = job.JobId, note = "process_data ran" }, cancellationToken: cancellationToken);
        return new
        {
            status = "complete",
            tables_endpoint = storage.TableService.Uri.ToString(),
            blob_endpoint = storage.BlobService.Uri.ToString(),
            note_artifact_id = note.Id,
        };
    }

    [TaskFunctions.TaskFunction("add", Description = "Add two numbers.")]
    public static object Add(int a, int b) => new { result = a + b };

    [TaskFunctions.TaskFunction("store_result", Description = "Store data in an artifact linked to this job.")]
    public static async Task<object> StoreResult(ArtifactStore artifacts, System.Text.Json.JsonElement data, CancellationToken cancellationToken)
    {
        var artifact = await artifacts.SaveAsync(data, cancellationToken: cancellationToken);
        return new { artifact_id = artifact.Id };
    }

    [TaskFunctions.TaskFunction("long_task", Description = "Long-running task that reports progress at every step.")]
    public static async Task<object> LongTask(IJobProgress progress, ILogger logger, CancellationToken cancellationToken, int steps = 10, double stepSeconds = 1.0)
    {
        for (var i = 0; i < steps; i++)
        {
            await Task.Delay(TimeSpan.FromSeconds(stepSeconds), cancellationToken);
            LogStep(logger, i + 1, steps);
            await progress.ReportAsync(100.0 * (i + 1) / steps, $"Progress: {i + 1}/{steps}", cancellationToken);
        }

        return new { status = "complete", steps };
    }

    [TaskFunctions.TaskFunction("safe_task", Description = "Task with error handling: failures become a result, not a failed job.")]
    public static object SafeTask(string riskyParam)
    {
        try
        {
            return new { status = "success", result = ProcessRiskyOperation(riskyParam) };
        }
        catch (ArgumentException e)
        {
            return new { status = "error", error = e.Message };
        }
    }

    private static string ProcessRiskyOperation(string value) =>
        string.IsNullOrWhiteSpace(value) ? throw new ArgumentException("risky_param must not be blank.", nameof(value)) : value.ToUpperInvariant();

    [LoggerMessage(EventId = 9001, Level = LogLevel.Information, Message = "Progress: {Step}/{Steps}")]
    private static partial void LogStep(ILogger logger, int step, int steps);
}
