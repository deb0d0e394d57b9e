using FuncTasks.Api;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Entities;
using Microsoft.Extensions.Options;

namespace FuncTasks.Gate;

/// <summary>A job waiting for a permit: its id and the orchestration to wake when its turn comes.</summary>
public sealed record PermitRequest(string JobId, string InstanceId);

public sealed record Waiter(string JobId, string InstanceId, DateTimeOffset Since);

public sealed class GateState
{
    /// <summary>The limit set at run time; null means the configured <see cref="ConcurrencyOptions.Limit"/>.</summary>
    public int? LimitOverride { get; set; }

    /// <summary>Job id → orchestration instance holding a permit.</summary>
    public Dictionary<string, string> Holders { get; set; } = [];

    /// <summary>Waiting jobs in submission order (by job id, a ULID), served first to last.</summary>
    public List<Waiter> Waiters { get; set; } = [];

    /// <summary>Numbers the wake-up orchestrations so each has its own instance id.</summary>
    public long Grants { get; set; }
}

/// <summary>What <c>GET /api/v1/concurrency</c> shows.</summary>
public sealed record GateSnapshot(int Limit, int InUse, int Waiting, IReadOnlyList<string> Holders);

/// <summary>
/// The app-wide counting semaphore: a Durable entity, so one instance serializes every acquire and
/// release across all instances of the app. Permits are keyed by job id: acquiring twice (a redelivered
/// message) holds one permit, releasing twice returns one. Waiters are served in submission order (by job id);
/// a waiter is woken through a tiny <see cref="PermitNotifier"/> orchestration (an entity cannot raise
/// an event on an orchestration itself). No critical sections (entity locks) are involved.
/// </summary>
public sealed class ConcurrencyGate(IOptions<ConcurrencyOptions> options, TimeProvider clock) : TaskEntity<GateState>
{
    public const string Name = "ConcurrencyGate";

    /// <summary>The one gate of the app.</summary>
    public static readonly EntityInstanceId Id = new(Name, "app");

    public static class Operations
    {
        public const string Acquire = nameof(ConcurrencyGate.Acquire);
        public const string Release = nameof(ConcurrencyGate.Release);
        public const string SetLimit = nameof(ConcurrencyGate.SetLimit);
        public const string Reclaim = nameof(ConcurrencyGate.Reclaim);
    }

    private int Limit => State.LimitOverride ?? options.Value.Limit;

    /// <summary>True when the job holds a permit now; false when it waits (it will get a PermitGranted event).</summary>
    public bool Acquire(PermitRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (State.Holders.ContainsKey(request.JobId))
        {
            return true;
        }

        if (State.Waiters.Any(w => w.JobId == request.JobId))
        {
            return false;
        }

        if (State.Holders.Count < Limit && State.Waiters.Count == 0)
        {
            State.Holders[request.JobId] = request.InstanceId;
            return true;
        }

        // Served in submission order: job ids are ULIDs, which sort by the time the job was accepted. The acquire
        // calls of jobs accepted one after another can reach the entity out of that order (their orchestrations
        // run on different partitions), so a waiter is placed by its job id instead of appended.
        var place = State.Waiters.FindIndex(w => string.CompareOrdinal(w.JobId, request.JobId) > 0);
        State.Waiters.Insert(place < 0 ? State.Waiters.Count : place, new Waiter(request.JobId, request.InstanceId, Timestamps.Now(clock)));
        return false;
    }

    /// <summary>Returns the job's permit, or takes it out of the queue; a no-op when it has neither.</summary>
    public void Release(string jobId)
    {
        if (!State.Holders.Remove(jobId))
        {
            State.Waiters.RemoveAll(w => w.JobId == jobId);
        }

        Admit();
    }

    /// <summary>Releases many at once (the sweep's reclaim of permits held by finished or vanished jobs).</summary>
    public void Reclaim(string[] jobIds)
    {
        ArgumentNullException.ThrowIfNull(jobIds);
        foreach (var jobId in jobIds)
        {
            if (!State.Holders.Remove(jobId))
            {
                State.Waiters.RemoveAll(w => w.JobId == jobId);
            }
        }

        Admit();
    }

    /// <summary>Raising the limit admits waiters at once; lowering it stops no running job.</summary>
    public void SetLimit(int limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(limit, 1000);
        State.LimitOverride = limit;
        Admit();
    }

    public GateSnapshot Get() => Snapshot(State, options.Value.Limit);

    public static GateSnapshot Snapshot(GateState? state, int configuredLimit) => state is null
        ? new GateSnapshot(configuredLimit, 0, 0, [])
        : new GateSnapshot(state.LimitOverride ?? configuredLimit, state.Holders.Count, state.Waiters.Count, [.. state.Holders.Keys.Order(StringComparer.Ordinal)]);

    private void Admit()
    {
        while (State.Holders.Count < Limit && State.Waiters.Count > 0)
        {
            var next = State.Waiters[0];
            State.Waiters.RemoveAt(0);
            State.Holders[next.JobId] = next.InstanceId;
            State.Grants++;
            Context.ScheduleNewOrchestration(PermitNotifier.Name, new PermitGrant(next.InstanceId, next.JobId),
                new StartOrchestrationOptions($"{next.JobId}-permit-{State.Grants}"));
        }
    }
}

public sealed record PermitGrant(string InstanceId, string JobId);

/// <summary>Wakes a waiting job's orchestration with the PermitGranted event.</summary>
public sealed class PermitNotifier : TaskOrchestrator<PermitGrant, bool>
{
    public const string Name = "PermitNotifier";
    public const string PermitGrantedEvent = "permit-granted";

    public override Task<bool> RunAsync(TaskOrchestrationContext context, PermitGrant input)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(input);
        context.SendEvent(input.InstanceId, PermitGrantedEvent, input.JobId);
        return Task.FromResult(true);
    }
}
