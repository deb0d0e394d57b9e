using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;

namespace FuncTasks.Gate;

/// <summary>
/// Tells each granted job's orchestration (instance id = job id) that it holds a permit, reports back to the gate, then
/// returns the permits of the jobs among them that have already ended (a late, repeated acquire can grant one).
/// </summary>
public sealed class PermitWaker : TaskOrchestrator<string[], int>
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
            context.CreateReplaySafeLogger<PermitWaker>().EndedJobsGranted(ended.Length, string.Join(", ", ended));
            await context.Entities.SignalEntityAsync(ConcurrencyGate.Id, ConcurrencyGate.Operations.Reclaim, ended);
        }

        return input.Length;
    }
}
