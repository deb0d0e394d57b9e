using System.ComponentModel.DataAnnotations;

namespace FuncTasks.Gate;

/// <summary>The app-wide concurrency gate (section <c>FuncTasks:Concurrency</c>).</summary>
public sealed class ConcurrencyOptions
{
    public const string Section = "FuncTasks:Concurrency";

    /// <summary>Jobs running at once across every instance, until <c>PUT /api/v1/concurrency</c> sets another.</summary>
    [Range(1, 1000)]
    public int Limit { get; set; } = 5;

    /// <summary>
    /// How long a job told of its permit waits for the gate's committed state to show it before asking again (the
    /// message can come from a run of the gate the backend discarded; see ConcurrencyGate).
    /// </summary>
    [Range(1, 300)]
    public int PermitConfirmSeconds { get; set; } = 10;

    /// <summary>
    /// How many waiters the gate keeps in its own state, the head of its queue; the rest wait in a table
    /// (<see cref="GateOverflow"/>), so that each batch of the gate's operations stays as cheap at 10,000 waiters as at none.
    /// </summary>
    [Range(2, 10_000)]
    public int QueueHead { get; set; } = 1000;

    /// <summary>Switches the gate off (jobs start without a permit); for measurements, not for production.</summary>
    public bool Enabled { get; set; } = true;
}
