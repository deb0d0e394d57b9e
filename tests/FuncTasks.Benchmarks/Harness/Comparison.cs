namespace FuncTasks.Benchmarks.Harness;

/// <summary>
/// One timed operation. <c>index</c> counts the calls of this operation in a run (warm-up, measured
/// and allocation calls, from 0), so an operation can use prepared inputs (an id per create) and keep
/// their preparation out of the timing.
/// </summary>
internal sealed record Operation(string Name, Func<int, CancellationToken, ValueTask> Invoke);

/// <summary>A baseline and a candidate doing the same work; the figure that matters is candidate / baseline.</summary>
internal sealed record Comparison(string Name, string Description, Operation Baseline, Operation Candidate, double TargetRatio);

/// <summary>The timings of one side, in milliseconds, one per measured round.</summary>
internal sealed record SideResult(string Name, double[] Milliseconds, double AllocatedBytesPerCall)
{
    private double[]? sorted;

    private double[] SortedTimes => sorted ??= Statistics.Sorted(Milliseconds);

    public double Median => Statistics.Quantile(SortedTimes, 0.5);
    public double P95 => Statistics.Quantile(SortedTimes, 0.95);
    public double P99 => Statistics.Quantile(SortedTimes, 0.99);
    public double Min => SortedTimes[0];
}

internal sealed record ComparisonResult(
    Comparison Comparison,
    SideResult Baseline,
    SideResult Candidate,
    TimeSpan Elapsed,
    int Gen0Collections,
    int Gen2Collections,
    string LoadAverageAfter)
{
    public double RatioOfMedians => Candidate.Median / Baseline.Median;

    public double RatioOfP95 => Candidate.P95 / Baseline.P95;

    /// <summary>The median of the per-round ratios b[i] / a[i] (a second, paired view of the same thing).</summary>
    public double MedianPairedRatio => Statistics.Median(Baseline.Milliseconds.Zip(Candidate.Milliseconds, (a, b) => b / a));

    public (double Low, double High) RatioInterval { get; } = Statistics.BootstrapRatioOfMedians(Baseline.Milliseconds, Candidate.Milliseconds);

    /// <summary>Median extra time per call, in microseconds.</summary>
    public double OverheadMicroseconds => (Candidate.Median - Baseline.Median) * 1000;

    public string Verdict =>
        double.IsNaN(Comparison.TargetRatio) ? "no target (for information)"
        : RatioInterval.High <= Comparison.TargetRatio ? "MET"
        : RatioInterval.Low > Comparison.TargetRatio ? "MISSED"
        : RatioOfMedians <= Comparison.TargetRatio ? "MET (interval straddles the target)"
        : "MISSED (interval straddles the target)";
}
