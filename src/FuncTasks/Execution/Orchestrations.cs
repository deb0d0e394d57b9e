using Microsoft.DurableTask.Client;

namespace FuncTasks.Execution;

/// <summary>What the app takes an orchestration's status to mean: decided here once.</summary>
public static class Orchestrations
{
    /// <summary>The statuses of an orchestration that will do nothing more.</summary>
    public static readonly IReadOnlyList<OrchestrationRuntimeStatus> EndedStatuses =
        [OrchestrationRuntimeStatus.Completed, OrchestrationRuntimeStatus.Failed, OrchestrationRuntimeStatus.Terminated];

    /// <summary>An orchestration that will send nothing more: ended, or gone (never started, or purged).</summary>
    public static bool HasEnded(OrchestrationMetadata? instance) => instance is null || EndedStatuses.Contains(instance.RuntimeStatus);

    /// <summary>The instances among <paramref name="instanceIds"/> that have ended or are gone (for jobs: they hold a permit for nothing).</summary>
    public static async Task<string[]> FindEndedAsync(DurableTaskClient client, IEnumerable<string> instanceIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(instanceIds);
        var ended = new List<string>();
        foreach (var instanceId in instanceIds.Distinct())
        {
            if (HasEnded(await client.GetInstanceAsync(instanceId, cancellationToken)))
            {
                ended.Add(instanceId);
            }
        }

        return [.. ended];
    }
}
