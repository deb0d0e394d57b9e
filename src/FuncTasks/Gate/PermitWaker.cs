using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;

namespace FuncTasks.Gate;

/// <summary>
/// Tells each granted job's orchestration (instance id = job id) that it holds a permit, reports back to the gate, then
/// returns the permits of the jobs among them that have already ended (a late, repeated acquire can grant one).
/// </summary>
public sealed partial class PermitWaker : TaskOrchestrator<string[], int>
{
    public const string Name = "PermitWaker";
    public const string PermitGrantedEvent = "permit-granted";
    public const string FindEndedJobsActivity = "FindEndedJobs";

    /// <summary>Wakers are numbered instances with this prefix; the sweep purges the finished ones.</summary>
    public const string InstanceIdPrefix = "gate-waker-";

    public override async Task<int> RunAsync(TaskOrchestrationContext context, string[] input)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(input);
        foreach (var jobId in input)
        {
            context.SendEvent(jobId, PermitGrantedEvent, jobId);
        }

        await context.Entities.SignalEntityAsync(ConcurrencyGate.Id, ConcurrencyGate.Operations.WakerDone);
        var ended = await context.CallActivityAsync<string[]>(FindEndedJobsActivity, input);
        if (ended.Length > 0)
        {
            LogEndedJobsGranted(context.CreateReplaySafeLogger<PermitWaker>(), ended.Length, string.Join(", ", ended));
            await context.Entities.SignalEntityAsync(ConcurrencyGate.Id, ConcurrencyGate.Operations.Reclaim, ended);
        }

        return input.Length;
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Warning,
        Message = "The gate granted {Count} job(s) that had already ended (an acquire delivered again after its release): {JobIds}; their permits are returned")]
    private static partial void LogEndedJobsGranted(ILogger logger, int count, string jobIds);
}
