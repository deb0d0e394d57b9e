using System.ComponentModel.DataAnnotations;

namespace FuncTasks.Gate;

/// <summary>The app-wide concurrency gate (section <c>FuncTasks:Concurrency</c>).</summary>
public sealed class ConcurrencyOptions
{
    public const string Section = "FuncTasks:Concurrency";

    /// <summary>Jobs running at once across every instance, until <c>PUT /api/v1/concurrency</c> sets another.</summary>
    [Range(1, 1000)]
    public int Limit { get; set; } = 5;

    /// <summary>Switches the gate off (jobs start without a permit); for measurements, not for production.</summary>
    public bool Enabled { get; set; } = true;
}
