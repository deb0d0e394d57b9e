using System.Diagnostics;

namespace FuncTasks.Benchmarks.Harness;

/// <summary>The timings of several sides measured in the same interleaved rounds (round i of every side ran together).</summary>
internal sealed record InterleavedResult(
    string Name,
    IReadOnlyList<Operation> Operations,
    IReadOnlyList<SideResult> Sides,
    TimeSpan Elapsed,
    int Gen0Collections,
    int Gen2Collections,
    string LoadAverageAfter)
{
    public SideResult Side(string name) => Sides.Single(s => s.Name == name);

    /// <summary>Candidate against baseline on the same rounds, with the paired bootstrap of <see cref="ComparisonResult"/>.</summary>
    public ComparisonResult Compare(string comparison, string description, string baseline, string candidate, double targetRatio)
    {
        var a = Sides.Single(s => s.Name == baseline);
        var b = Sides.Single(s => s.Name == candidate);
        return new ComparisonResult(
            new Comparison(comparison, description, Operations.Single(o => o.Name == baseline), Operations.Single(o => o.Name == candidate), targetRatio),
            a, b, Elapsed, Gen0Collections, Gen2Collections, LoadAverageAfter);
    }
}

/// <summary>
/// <see cref="ComparisonRunner"/> for two or more sides: each round calls every side once, and the order
/// rotates through all permutations of the sides from round to round (for two: AB, BA; for three: ABC, ACB,
/// BAC, ...), so each side runs equally often first, last and after each other side. Drift in the shared
/// machine's load lands on every side alike.
/// </summary>
internal static class InterleavedRunner
{
    /// <param name="warmupRounds">Unmeasured rounds first (JIT, connection pools, the durable engine's partitions and polling).</param>
    /// <param name="allocationCalls">Calls per side, each side as a block after the timing, for the allocation figures; 0 skips them (NaN).</param>
    /// <param name="settle">Awaited between rounds, outside the timing (null: nothing).</param>
    /// <param name="afterCall">
    /// Awaited after each warm-up and measured call, outside the timing, with the side's index (null: nothing): for work a
    /// call starts but is not timed on, which must end before the next side's call (a job's orchestration after its record
    /// says completed).
    /// </param>
    public static async Task<InterleavedResult> RunAsync(
        string name,
        IReadOnlyList<Operation> sides,
        int warmupRounds,
        int rounds,
        int allocationCalls,
        CancellationToken cancellationToken,
        Func<CancellationToken, Task>? settle = null,
        Func<int, CancellationToken, Task>? afterCall = null)
    {
        ArgumentNullException.ThrowIfNull(sides);
        if (sides.Count < 2)
        {
            throw new ArgumentException("Interleaving needs at least two sides.", nameof(sides));
        }

        var orders = Permutations(sides.Count);
        var index = 0;
        BenchmarkContext.Progress($"{name}: warming up ({warmupRounds} rounds of {sides.Count} sides)");
        for (; index < warmupRounds; index++)
        {
            foreach (var side in orders[index % orders.Count])
            {
                await sides[side].Invoke(index, cancellationToken);
                if (afterCall is not null)
                {
                    await afterCall(side, cancellationToken);
                }
            }

            if (settle is not null)
            {
                await settle(cancellationToken);
            }
        }

        GC.Collect();
        GC.WaitForPendingFinalizers();
        await Task.Delay(250, cancellationToken);

        BenchmarkContext.Progress($"{name}: measuring ({rounds} interleaved rounds of {sides.Count} sides)");
        var times = sides.Select(_ => new double[rounds]).ToArray();
        var gen0 = GC.CollectionCount(0);
        var gen2 = GC.CollectionCount(2);
        var clock = Stopwatch.StartNew();
        for (var round = 0; round < rounds; round++, index++)
        {
            foreach (var side in orders[round % orders.Count])
            {
                var start = Stopwatch.GetTimestamp();
                await sides[side].Invoke(index, cancellationToken);
                times[side][round] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                if (afterCall is not null)
                {
                    await afterCall(side, cancellationToken);
                }
            }

            if (settle is not null)
            {
                await settle(cancellationToken);
            }

            if ((round + 1) % Math.Max(1, rounds / 10) == 0)
            {
                BenchmarkContext.Progress($"{name}: {round + 1}/{rounds} rounds, load avg {MachineInfo.LoadAverage()}");
            }
        }

        clock.Stop();
        gen0 = GC.CollectionCount(0) - gen0;
        gen2 = GC.CollectionCount(2) - gen2;

        var allocated = new double[sides.Count];
        for (var side = 0; side < sides.Count; side++)
        {
            allocated[side] = double.NaN;
            if (allocationCalls > 0)
            {
                var before = GC.GetTotalAllocatedBytes(precise: true);
                for (var i = 0; i < allocationCalls; i++)
                {
                    await sides[side].Invoke(index + i, cancellationToken);
                }

                allocated[side] = (GC.GetTotalAllocatedBytes(precise: true) - before) / (double)allocationCalls;
            }
        }

        return new InterleavedResult(
            name,
            sides,
            sides.Select((s, i) => new SideResult(s.Name, times[i], allocated[i])).ToArray(),
            clock.Elapsed,
            gen0,
            gen2,
            MachineInfo.LoadAverage());
    }

    /// <summary>Every order of 0..n-1, in lexicographic order.</summary>
    private static List<int[]> Permutations(int n)
    {
        var all = new List<int[]>();
        void Build(List<int> prefix)
        {
            if (prefix.Count == n)
            {
                all.Add([.. prefix]);
                return;
            }

            for (var i = 0; i < n; i++)
            {
                if (!prefix.Contains(i))
                {
                    prefix.Add(i);
                    Build(prefix);
                    prefix.RemoveAt(prefix.Count - 1);
                }
            }
        }

        Build([]);
        return all;
    }
}
