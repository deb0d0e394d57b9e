using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;

namespace FuncTasks.Gate;

/// <summary>Reads and changes the gate from outside an orchestration (HTTP triggers, activities, the sweep).</summary>
public sealed class GateClient(IOptions<ConcurrencyOptions> options, TimeProvider clock)
{
    private static readonly TimeSpan ApplyTimeout = TimeSpan.FromSeconds(15);
    /// <summary>State reads start 10 ms apart and slow to 50 ms: a permit is often committed within a few ms of the first read.</summary>
    private static readonly TimeSpan FirstPoll = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan LastPoll = TimeSpan.FromMilliseconds(50);

    public async Task<GateSnapshot> GetAsync(DurableTaskClient client, CancellationToken cancellationToken) =>
        ConcurrencyGate.Snapshot(await GetStateAsync(client, cancellationToken), options.Value.Limit);

    /// <summary>
    /// The gate's committed state (null before its first operation). A read can race with the entity writing its
    /// state, so a failed read is tried again before the gate is reported unavailable.
    /// </summary>
    public async Task<GateState?> GetStateAsync(DurableTaskClient client, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return (await client.Entities.GetEntityAsync<GateState>(ConcurrencyGate.Id, cancellation: cancellationToken))?.State;
            }
            catch (Exception ex) when (ex is not OperationCanceledException && attempt < 3)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt), clock, cancellationToken);
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
    public Task<bool> HoldsPermitAsync(DurableTaskClient client, string jobId, TimeSpan wait, CancellationToken cancellationToken) =>
        UntilAsync(client, state => state is not null && state.Held.Contains(jobId), wait, cancellationToken);

    /// <summary>
    /// For a watched job (JobScheduler sent <see cref="ConcurrencyGate.AcquireWatched"/> as it started it): true as
    /// soon as the gate's committed state lists the job as a holder; false as soon as it shows the job will wait (queued,
    /// or every permit taken by others), or after <paramref name="wait"/>. False only means "not now": the orchestration
    /// then asks with <see cref="ConcurrencyGate.Acquire"/>, which tells it of a permit it holds or will get.
    /// </summary>
    public async Task<bool> WatchForPermitAsync(DurableTaskClient client, string jobId, TimeSpan wait, CancellationToken cancellationToken)
    {
        var held = false;
        await UntilAsync(client, state =>
        {
            held = state is not null && state.Held.Contains(jobId);
            return held || (state is not null && (state.Queue.BinarySearch(jobId, StringComparer.Ordinal) >= 0 ||
                state.Held.Count >= (state.LimitOverride ?? options.Value.Limit)));
        }, wait, cancellationToken);
        return held;
    }

    /// <summary>Sets the limit and answers once the gate shows it (a signal is applied asynchronously).</summary>
    public async Task<GateSnapshot> SetLimitAsync(DurableTaskClient client, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        await client.Entities.SignalEntityAsync(ConcurrencyGate.Id, ConcurrencyGate.Operations.SetLimit, limit, cancellation: cancellationToken);
        if (!await UntilAsync(client, state => state?.LimitOverride == limit, ApplyTimeout, cancellationToken))
        {
            throw new RefusalException(RefusalKind.Unavailable, "gate-unavailable", "The concurrency gate did not answer",
                $"The new limit {limit} was sent but the gate did not apply it within {ApplyTimeout.TotalSeconds:0} s; " +
                "the Durable worker may be down. GET /api/v1/concurrency shows when it does.");
        }

        return await GetAsync(client, cancellationToken);
    }

    /// <summary>
    /// Returns the permits (or queue places) of these jobs, and waits (up to 15 s) until the gate shows it: a caller that
    /// reports them as reclaimed (the sweep) must not find them again on its next run. False when the gate did not show it
    /// in time (the Durable worker may be down); the signal stays queued.
    /// </summary>
    public async Task<bool> ReclaimAsync(DurableTaskClient client, IReadOnlyCollection<string> jobIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(jobIds);
        await client.Entities.SignalEntityAsync(ConcurrencyGate.Id, ConcurrencyGate.Operations.Reclaim, jobIds.ToArray(), cancellation: cancellationToken);
        return await UntilAsync(client, state => state is null || !jobIds.Any(id => state.Held.Contains(id) || state.Queue.Contains(id)),
            ApplyTimeout, cancellationToken);
    }

    /// <summary>Reads the committed state until it satisfies <paramref name="condition"/> or <paramref name="timeout"/> passes.</summary>
    private async Task<bool> UntilAsync(DurableTaskClient client, Func<GateState?, bool> condition, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var started = clock.GetTimestamp();
        for (var poll = FirstPoll; ; poll = poll * 2 < LastPoll ? poll * 2 : LastPoll)
        {
            if (condition(await GetStateAsync(client, cancellationToken)))
            {
                return true;
            }

            if (clock.GetElapsedTime(started) >= timeout)
            {
                return false;
            }

            await Task.Delay(poll, clock, cancellationToken);
        }
    }
}
