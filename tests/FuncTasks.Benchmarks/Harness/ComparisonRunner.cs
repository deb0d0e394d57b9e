using System.Diagnostics;

namespace FuncTasks.Benchmarks.Harness;

/// <summary>
/// Runs a baseline and a candidate interleaved, round by round: each round times one call of each
/// side, alternating which goes first (AB, BA, AB, ...). Whatever the shared machine does in the
/// meantime (another build, Azurite's garbage collector, a noisy neighbour) lands on both sides
/// alike, so their ratio stays honest even when absolute times drift.
/// </summary>
internal static class ComparisonRunner
{
    /// <summary>How many times a run calls each operation: size prepared inputs with this.</summary>
    public static int CallsPerSide(BenchmarkOptions options) => options.WarmupRounds + options.Rounds + options.AllocationCalls;

    public static async Task<ComparisonResult> RunAsync(Comparison comparison, BenchmarkOptions options, CancellationToken cancellationToken)
    {
        var (baseline, candidate) = (comparison.Baseline, comparison.Candidate);
        var index = 0;

        BenchmarkContext.Progress($"{comparison.Name}: warming up ({options.WarmupRounds} rounds)");
        for (; index < options.WarmupRounds; index++)
        {
            await baseline.Invoke(index, cancellationToken);
            await candidate.Invoke(index, cancellationToken);
        }

        // Start both sides from the same heap, and give background tier-1 compilation a moment.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        await Task.Delay(250, cancellationToken);

        BenchmarkContext.Progress($"{comparison.Name}: measuring ({options.Rounds} interleaved rounds)");
        var a = new double[options.Rounds];
        var b = new double[options.Rounds];
        var gen0 = GC.CollectionCount(0);
        var gen2 = GC.CollectionCount(2);
        var clock = Stopwatch.StartNew();
        for (var round = 0; round < options.Rounds; round++, index++)
        {
            if ((round & 1) == 0)
            {
                a[round] = await TimeAsync(baseline, index, cancellationToken);
                b[round] = await TimeAsync(candidate, index, cancellationToken);
            }
            else
            {
                b[round] = await TimeAsync(candidate, index, cancellationToken);
                a[round] = await TimeAsync(baseline, index, cancellationToken);
            }
        }

        clock.Stop();
        gen0 = GC.CollectionCount(0) - gen0;
        gen2 = GC.CollectionCount(2) - gen2;

        // Allocations are counted apart from the timing (precise counting has a cost), each side in a
        // block of its own; it includes what the Azure SDK allocates on background threads meanwhile.
        BenchmarkContext.Progress($"{comparison.Name}: counting allocations ({options.AllocationCalls} calls per side)");
        var allocationStart = index;
        var baselineBytes = await AllocatedPerCallAsync(baseline, allocationStart, options.AllocationCalls, cancellationToken);
        var candidateBytes = await AllocatedPerCallAsync(candidate, allocationStart, options.AllocationCalls, cancellationToken);

        return new ComparisonResult(
            comparison,
            new SideResult(baseline.Name, a, baselineBytes),
            new SideResult(candidate.Name, b, candidateBytes),
            clock.Elapsed,
            gen0,
            gen2,
            MachineInfo.LoadAverage());
    }

    private static async ValueTask<double> TimeAsync(Operation operation, int index, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        await operation.Invoke(index, cancellationToken);
        return Stopwatch.GetElapsedTime(start).TotalMilliseconds;
    }

    private static async ValueTask<double> AllocatedPerCallAsync(Operation operation, int firstIndex, int calls, CancellationToken cancellationToken)
    {
        var before = GC.GetTotalAllocatedBytes(precise: true);
        for (var i = 0; i < calls; i++)
        {
            await operation.Invoke(firstIndex + i, cancellationToken);
        }

        return (GC.GetTotalAllocatedBytes(precise: true) - before) / (double)calls;
    }
}
