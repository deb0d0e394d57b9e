namespace FuncTasks.Gate;

/// <summary>
/// The gate's state. Job ids only (a job's orchestration instance id is its job id), because the whole
/// state is read and written on every batch of operations: at 500 waiters it is ~15 KB. So it holds only the head of
/// the queue (<see cref="ConcurrencyOptions.QueueHead"/> waiters); the rest wait in <see cref="GateOverflow"/>.
/// </summary>
public sealed class GateState
{
    /// <summary>The limit set at run time; null means the configured <see cref="ConcurrencyOptions.Limit"/>.</summary>
    public int? LimitOverride { get; set; }

    /// <summary>Jobs holding a permit.</summary>
    public HashSet<string> Held { get; set; } = [];

    /// <summary>The head of the queue: waiting jobs in submission order (by job id, a ULID), served first to last.</summary>
    public List<string> Queue { get; set; } = [];

    /// <summary>
    /// Null while the whole queue is in <see cref="Queue"/>. Otherwise the queue goes on in <see cref="GateOverflow"/>:
    /// every waiter there has a job id after this one, every waiter in <see cref="Queue"/> one up to it.
    /// </summary>
    public string? OverflowAfter { get; set; }

    /// <summary>How many wait in <see cref="GateOverflow"/> (exact but for a run of the gate the backend discarded; see ConcurrencyGate).</summary>
    public int Overflowed { get; set; }

    /// <summary>All waiting jobs: the head and the overflow.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public int Waiting => Queue.Count + Overflowed;

    /// <summary>Jobs granted a permit that no wake-up orchestration has been sent for yet.</summary>
    public List<string> ToWake { get; set; } = [];

    /// <summary>When the wake-up orchestration now on its way was sent; null when none is.</summary>
    public DateTimeOffset? WakerSentAt { get; set; }

    /// <summary>Numbers the wake-up orchestrations (their instance ids start with the number).</summary>
    public long Wakers { get; set; }

    /// <summary>Whether a waker should go now: grants wait to be told, and none is on its way (or the one on its way is late).</summary>
    public bool IsWakerDue(DateTimeOffset now) =>
        ToWake.Count > 0 && (WakerSentAt is not { } sent || now - sent >= ConcurrencyGate.WakerTimeout);
}

/// <summary>What <c>GET /api/v1/concurrency</c> shows.</summary>
public sealed record GateSnapshot(int Limit, int InUse, int Waiting, IReadOnlyList<string> Holders);
