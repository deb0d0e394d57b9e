using FuncTasks.Api;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Entities;
using Microsoft.Extensions.Options;

namespace FuncTasks.Gate;

/// <summary>
/// The app-wide counting semaphore: a Durable entity, so one instance serializes every acquire and
/// release across all instances of the app. Permits are keyed by job id: acquiring twice (a redelivered
/// message) holds one permit, releasing twice returns one. Waiters are served in submission order (by job id).
/// No critical sections (entity locks) are involved.
/// <para>
/// Two ways in, both one-way signals (<see cref="PermitRequestPlanner"/> picks): <see cref="AcquireWatched"/>, sent
/// by JobScheduler as it starts the job, whose RunJob activity then watches the gate's committed state for the permit
/// (the quick way when one is free: no answer message, no extra orchestration episode), and <see cref="Acquire"/>, for a
/// job that expects to wait (a burst) and waits for its orchestration to be told. A job that has to wait
/// is told of its permit by a <see cref="PermitWaker"/> orchestration (an entity cannot raise an event on an
/// orchestration itself). At most one waker is on its way at a time: grants made meanwhile wait in
/// <see cref="GateState.ToWake"/> and go together with the next one, sent when the current one reports back, so
/// under load one waker tells many jobs. Release is a signal.
/// </para>
/// <para>
/// What the gate says is a hint; its committed state is the truth. With several instances the Durable backend can run
/// one batch of the entity's operations on two workers at once (its log says "split brain"): one commits, the other's
/// state is discarded, but the messages it sent (answers, wakers) were sent first and arrive anyway, from a state
/// that never was. So a job runs only once the gate's committed state lists it as a holder (RunJob checks before it
/// starts, and a job that is not listed asks again), a job that asks while it holds is told again (and a waiting job
/// asks again now and then, in case the "wait" it was answered came from the discarded run), waker instance ids are
/// unique (a waker of a discarded run cannot take the id of a real one), and each waker returns the permits of jobs
/// it finds already ended (an acquire delivered again after its job's release).
/// </para>
/// <para>
/// host.json turns the backend's entity message reordering off (<c>entityMessageReorderWindowInMinutes: 0</c>):
/// with its 30-minute default the entity's state carries a record of every orchestration that signalled it in the
/// last 30 minutes, i.e. of every job (~130 characters each: past the table property limit at a few hundred jobs,
/// after which every batch rewrote a blob). The operations do not need it: all are idempotent by job id, and what
/// a late duplicate can leave behind (a permit with an ended job) the next waker or the sweep returns.
/// </para>
/// <para>
/// The state holds the head of the queue only (<see cref="ConcurrencyOptions.QueueHead"/> waiters); later ones wait in
/// <see cref="GateOverflow"/> and move up, half a head at a time, as the head empties. Rows that moved up are deleted
/// by the next move, once the state that moved them is committed: a discarded run then never deletes a waiter the
/// committed one has not taken. A waiter whose row a discarded run wrote twice is counted once too few in
/// <see cref="GateState.Overflowed"/>; the count is reset when the overflow is found empty.
/// </para>
/// </summary>
public sealed class ConcurrencyGate(IOptions<ConcurrencyOptions> options, TimeProvider clock, GateOverflow overflow) : TaskEntity<GateState>
{
    /// <summary>Where the overflow began in the state this batch started from (committed): rows up to it have moved up.</summary>
    private string? movedThrough;
    private bool batchStarted;

    public const string Name = "ConcurrencyGate";

    /// <summary>The one gate of the app.</summary>
    public static readonly EntityInstanceId Id = new(Name, "app");

    /// <summary>A waker not heard from in this long is taken as lost, and its successor is sent anyway.</summary>
    public static readonly TimeSpan WakerTimeout = TimeSpan.FromSeconds(30);

    public static class Operations
    {
        public const string Acquire = nameof(ConcurrencyGate.Acquire);
        public const string AcquireWatched = nameof(ConcurrencyGate.AcquireWatched);
        public const string AcquireNow = nameof(ConcurrencyGate.AcquireNow);
        public const string Release = nameof(ConcurrencyGate.Release);
        public const string SetLimit = nameof(ConcurrencyGate.SetLimit);
        public const string Reclaim = nameof(ConcurrencyGate.Reclaim);
        public const string WakerDone = nameof(ConcurrencyGate.WakerDone);
        public const string Wake = nameof(ConcurrencyGate.Wake);
    }

    private int Limit => State.LimitOverride ?? options.Value.Limit;

    /// <summary>
    /// Grants a permit (a waker tells the job) or queues the job; a no-op for a job that waits already. A job that holds
    /// a permit and asks again was not told of it (or was told by a run of the gate that was discarded): it is told again.
    /// </summary>
    public async Task Acquire(string jobId)
    {
        ArgumentException.ThrowIfNullOrEmpty(jobId);
        NoteBatchStart();
        if (State.Held.Contains(jobId))
        {
            Tell(jobId);
        }
        else
        {
            await EnqueueAsync(jobId);
            await AdmitAsync();
        }
    }

    /// <summary>
    /// Grants a permit without telling anyone when one is free and nobody waits (the job's RunJob activity, on its way
    /// already, sees it in the committed state); otherwise queues the job like <see cref="Acquire"/>, and a waker
    /// tells it when its turn comes. A no-op for a job that holds or waits already.
    /// </summary>
    public async Task AcquireWatched(string jobId)
    {
        ArgumentException.ThrowIfNullOrEmpty(jobId);
        NoteBatchStart();
        if (State.Held.Contains(jobId))
        {
            return;
        }

        if (State.Held.Count < Limit && State.Queue.Count == 0 && State.OverflowAfter is null)
        {
            State.Held.Add(jobId);
            return;
        }

        await EnqueueAsync(jobId);
        await AdmitAsync();
    }

    /// <summary>
    /// The call that <see cref="AcquireWatched"/> replaced, kept for orchestrations an earlier version started: true when
    /// the job holds a permit now; false when it queues (a waker tells it later).
    /// </summary>
    public async Task<bool> AcquireNow(string jobId)
    {
        await AcquireWatched(jobId);
        return State.Held.Contains(jobId);
    }

    /// <summary>Returns the job's permit, or takes it out of the queue; a no-op when it has neither.</summary>
    public Task Release(string jobId) => Reclaim([jobId]);

    /// <summary>Releases many at once (the sweep's reclaim of permits held by finished or vanished jobs).</summary>
    public async Task Reclaim(string[] jobIds)
    {
        ArgumentNullException.ThrowIfNull(jobIds);
        NoteBatchStart();
        foreach (var jobId in jobIds)
        {
            if (State.Held.Remove(jobId))
            {
                State.ToWake.Remove(jobId);
            }
            else if (!State.Queue.Remove(jobId) && IsOverflowPlace(jobId) && await overflow.RemoveAsync(jobId))
            {
                State.Overflowed = Math.Max(State.Overflowed - 1, 0);
            }
        }

        await AdmitAsync();
    }

    /// <summary>Raising the limit admits waiters at once; lowering it stops no running job.</summary>
    public async Task SetLimit(int limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, 1000);
        NoteBatchStart();
        State.LimitOverride = limit;
        await AdmitAsync();
    }

    /// <summary>The waker on its way has told its jobs: send the next one for the grants made meanwhile.</summary>
    public void WakerDone()
    {
        State.WakerSentAt = null;
        SendWaker();
    }

    /// <summary>Sends a waker for untold grants if none is on its way or the one on its way is lost (the sweep's nudge).</summary>
    public void Wake() => SendWaker();

    public GateSnapshot Get() => Snapshot(State, options.Value.Limit);

    public static GateSnapshot Snapshot(GateState? state, int configuredLimit) => state is null
        ? new GateSnapshot(configuredLimit, 0, 0, [])
        : new GateSnapshot(state.LimitOverride ?? configuredLimit, state.Held.Count, state.Waiting, [.. state.Held.Order(StringComparer.Ordinal)]);

    /// <summary>
    /// Served in submission order: job ids are ULIDs, which sort by the time the job was accepted. The acquires of jobs
    /// accepted one after another can reach the entity out of that order (their orchestrations run on different
    /// partitions), so a waiter is placed by its job id instead of appended: in the head, or, past the head, in the
    /// overflow (whose rows sort by job id).
    /// </summary>
    private async Task EnqueueAsync(string jobId)
    {
        if (IsOverflowPlace(jobId))
        {
            if (await overflow.TryAddAsync(jobId))
            {
                State.Overflowed++;
            }

            return;
        }

        var place = State.Queue.BinarySearch(jobId, StringComparer.Ordinal);
        if (place < 0)
        {
            State.Queue.Insert(~place, jobId);
        }

        if (State.OverflowAfter is null && State.Queue.Count > options.Value.QueueHead)
        {
            // The head is full: its last waiter (in a burst, the one just added) opens the overflow.
            var last = State.Queue[^1];
            State.Queue.RemoveAt(State.Queue.Count - 1);
            State.OverflowAfter = State.Queue[^1];
            if (await overflow.TryAddAsync(last))
            {
                State.Overflowed++;
            }
        }
    }

    /// <summary>Whether the job's place in the queue is in the overflow (after every waiter of the head).</summary>
    private bool IsOverflowPlace(string jobId) =>
        State.OverflowAfter is { } after && string.CompareOrdinal(jobId, after) > 0;

    /// <summary>
    /// Waiters of the overflow move up when the head, less the permits free now, runs below half: enough to fill it
    /// again once those are admitted.
    /// </summary>
    private async Task MoveUpAsync()
    {
        var head = options.Value.QueueHead;
        var free = Math.Max(Limit - State.Held.Count, 0);
        if (State.OverflowAfter is not { } after || State.Queue.Count - free >= head / 2)
        {
            return;
        }

        if (movedThrough is { } through)
        {
            await overflow.DeleteThroughAsync(through);
            movedThrough = null;
        }

        var take = head + free - State.Queue.Count; // more than half a head
        var next = await overflow.ReadAfterAsync(after, take);
        State.Queue.AddRange(next);
        State.Overflowed = Math.Max(State.Overflowed - next.Count, 0);
        if (next.Count < take)
        {
            State.OverflowAfter = null; // all moved up; their rows go with the next overflow's first move
            State.Overflowed = 0;
        }
        else
        {
            State.OverflowAfter = next[^1];
        }
    }

    /// <summary>Notes, on the batch's first operation, where the committed state's overflow began.</summary>
    private void NoteBatchStart()
    {
        if (!batchStarted)
        {
            batchStarted = true;
            movedThrough = State.OverflowAfter;
        }
    }

    private async Task AdmitAsync()
    {
        await MoveUpAsync();
        var admitted = Math.Min(Math.Max(Limit - State.Held.Count, 0), State.Queue.Count);
        foreach (var jobId in State.Queue.Take(admitted))
        {
            State.Held.Add(jobId);
            State.ToWake.Add(jobId);
        }

        State.Queue.RemoveRange(0, admitted);
        SendWaker();
    }

    private void Tell(string jobId)
    {
        if (!State.ToWake.Contains(jobId))
        {
            State.ToWake.Add(jobId);
        }

        SendWaker();
    }

    private void SendWaker()
    {
        var now = Timestamps.Now(clock);
        if (!State.IsWakerDue(now))
        {
            return;
        }

        // Unique, not only numbered: a run of this batch that is discarded may have started a waker of the same number.
        State.Wakers++;
        var instanceId = $"{PermitWaker.InstanceIdPrefix}{State.Wakers}-{Guid.NewGuid():N}";
        Context.ScheduleNewOrchestration(PermitWaker.Name, State.ToWake.ToArray(), new StartOrchestrationOptions(instanceId));
        State.ToWake.Clear();
        State.WakerSentAt = now;
    }
}
