namespace FuncTasks.Gate;

/// <summary>
/// The gate's state. Job ids only (a job's orchestration instance id is its job id), because the whole
/// state is read and written on every batch of operations: at 500 waiters it is ~15 KB.
/// </summary>
public sealed class GateState
{
    /// <summary>The limit set at run time; null means the configured <see cref="ConcurrencyOptions.Limit"/>.</summary>
    public int? LimitOverride { get; set; }

    /// <summary>Jobs holding a permit.</summary>
    public HashSet<string> Held { get; set; } = [];

    /// <summary>Waiting jobs in submission order (by job id, a ULID), served first to last.</summary>
    public List<string> Queue { get; set; } = [];

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
