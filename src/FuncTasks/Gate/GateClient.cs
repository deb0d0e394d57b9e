using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;

namespace FuncTasks.Gate;

/// <summary>Reads and changes the gate from outside an orchestration (HTTP triggers, the sweep).</summary>
public sealed class GateClient(IOptions<ConcurrencyOptions> options, TimeProvider clock)
{
    private static readonly TimeSpan ApplyTimeout = TimeSpan.FromSeconds(15);

    public async Task<GateSnapshot> GetAsync(DurableTaskClient client, CancellationToken cancellationToken) =>
        ConcurrencyGate.Snapshot(await GetStateAsync(client, cancellationToken).ConfigureAwait(false), options.Value.Limit);

    /// <summary>
    /// The gate's state (null before its first operation). A read can race with the entity writing its
    /// state, so a failed read is tried again
    /// before the gate is reported unavailable (503).
    /// </summary>
    public static async Task<GateState?> GetStateAsync(DurableTaskClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return (await client.Entities.GetEntityAsync<GateState>(ConcurrencyGate.Id, cancellation: cancellationToken).ConfigureAwait(false))?.State;
            }
            catch (Exception ex) when (ex is not OperationCanceledException && attempt < 3)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                throw new RefusalException(RefusalKind.Unavailable, "gate-unavailable", "The concurrency gate could not be read",
                    $"Reading the concurrency gate's state failed three times ({ex.GetType().Name}); the Durable backend may be unavailable.");
            }
        }
    }

    /// <summary>
    /// Whether the gate's committed state lists the job as a holder, waiting up to <paramref name="wait"/> for it: the
    /// messages that tell a job of its permit are sent before the gate's state is committed, and may come from a run of
    /// the gate that was discarded (see <see cref="ConcurrencyGate"/>).
    /// </summary>
    public static async Task<bool> HoldsPermitAsync(DurableTaskClient client, string jobId, TimeSpan wait, TimeProvider clock, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(clock);
        var started = clock.GetTimestamp();
        while (true)
        {
            var state = await GetStateAsync(client, cancellationToken).ConfigureAwait(false);
            if (state is not null && state.Held.Contains(jobId))
            {
                return true;
            }

            if (clock.GetElapsedTime(started) >= wait)
            {
                return false;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), clock, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The jobs among <paramref name="jobIds"/> whose orchestration has ended or is gone: they hold a permit for nothing.</summary>
    public static async Task<string[]> FindEndedJobsAsync(DurableTaskClient client, IEnumerable<string> jobIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(jobIds);
        var ended = new List<string>();
        foreach (var jobId in jobIds.Distinct())
        {
            if (HasEnded(await client.GetInstanceAsync(jobId, cancellationToken).ConfigureAwait(false)))
            {
                ended.Add(jobId);
            }
        }

        return [.. ended];
    }

    /// <summary>An orchestration that will send nothing more: ended, or gone (never started or purged).</summary>
    public static bool HasEnded(OrchestrationMetadata? instance) => instance is null
        || instance.RuntimeStatus is OrchestrationRuntimeStatus.Completed or OrchestrationRuntimeStatus.Failed or OrchestrationRuntimeStatus.Terminated;

    /// <summary>Sets the limit and answers once the gate shows it (a signal is applied asynchronously).</summary>
    public async Task<GateSnapshot> SetLimitAsync(DurableTaskClient client, int limit, CancellationToken cancellationToken)
    {
        await client.Entities.SignalEntityAsync(ConcurrencyGate.Id, ConcurrencyGate.Operations.SetLimit, limit, cancellation: cancellationToken)
            .ConfigureAwait(false);
        var started = clock.GetTimestamp();
        while (true)
        {
            var state = await GetStateAsync(client, cancellationToken).ConfigureAwait(false);
            if (state?.LimitOverride == limit)
            {
                return ConcurrencyGate.Snapshot(state, options.Value.Limit);
            }

            if (clock.GetElapsedTime(started) > ApplyTimeout)
            {
                throw new RefusalException(RefusalKind.Unavailable, "gate-unavailable", "The concurrency gate did not answer",
                    $"The new limit {limit} was sent but the gate did not apply it within {ApplyTimeout.TotalSeconds:0} s; " +
                    "the Durable worker may be down. GET /api/v1/concurrency shows when it does.");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), clock, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Returns the permits (or queue places) of these jobs, and waits (up to 15 s) until the gate shows it: a signal is
    /// applied asynchronously, and a caller that reports them as reclaimed (the sweep) must not find them again on its
    /// next run. False when the gate did not show it in time (the Durable worker may be down); the signal stays queued.
    /// </summary>
    public static async Task<bool> ReclaimAsync(DurableTaskClient client, IReadOnlyCollection<string> jobIds, TimeProvider clock, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(jobIds);
        ArgumentNullException.ThrowIfNull(clock);
        await client.Entities.SignalEntityAsync(ConcurrencyGate.Id, ConcurrencyGate.Operations.Reclaim, jobIds.ToArray(), cancellation: cancellationToken)
            .ConfigureAwait(false);
        var started = clock.GetTimestamp();
        while (true)
        {
            var state = await GetStateAsync(client, cancellationToken).ConfigureAwait(false);
            if (state is null || !jobIds.Any(id => state.Held.Contains(id) || state.Queue.Contains(id)))
            {
                return true;
            }

            if (clock.GetElapsedTime(started) > ApplyTimeout)
            {
                return false;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), clock, cancellationToken).ConfigureAwait(false);
        }
    }
}
