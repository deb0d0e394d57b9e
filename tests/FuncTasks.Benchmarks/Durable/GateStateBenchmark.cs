using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using FuncTasks.Benchmarks.Harness;
using FuncTasks.Gate;
using FuncTasks.Testing;
using Microsoft.DurableTask.Client;
using NUlid;

namespace FuncTasks.Benchmarks.Durable;

/// <summary>
/// <c>gate-state</c>: what the gate's queue costs as it grows. One real job holds the only permit (limit 1) while
/// the queue is filled, step by step up to 10,000 waiters, with Acquire signals for ids that have no orchestration;
/// at each step: the size of the gate's state, the time to read it (what <c>GET /api/v1/concurrency</c> and a job's
/// RunJob check do), and the time until one more Acquire signal shows in the committed state (one batch of the
/// entity: load its state, apply, save). Ids without orchestrations keep the measure to the entity: real waiters
/// also cost their orchestrations' episodes, which the job benchmarks count. Two apps, one after the other: the
/// default head of 1,000 waiters in the state (the rest in the overflow table), and a head of 10,000, which keeps the
/// whole queue in the state as the gate did before it had an overflow.
/// </summary>
internal sealed class GateStateBenchmark : IBenchmarkCommand
{
    /// <summary>The claim: a batch at 10,000 waiters costs no more than this many times a batch at an empty queue.</summary>
    public const double TargetRatio = 2.0;

    private static readonly int[] Steps = [0, 1_000, 3_000, 10_000];

    public string Name => "gate-state";

    public string Summary => "the gate's state at 0 / 1,000 / 3,000 / 10,000 waiters: its size, the time to read it, the time of one batch; head 1,000 (default) vs the whole queue in the state";

    public BenchmarkOptions Defaults => new() { WarmupRounds = 3, Rounds = 20, AllocationCalls = 0, Jobs = 10_000 };

    public BenchmarkOptions QuickDefaults => new() { Quick = true, WarmupRounds = 2, Rounds = 8, AllocationCalls = 0, Jobs = 3_000 };

    public string DefaultsSummary => "full: up to 10,000 waiters, 20 rounds per step, about 10 min (mostly filling the queues; --only head,whole); --quick: up to 3,000, 8 rounds";

    private static readonly (string Name, string Label, int QueueHead)[] Configurations =
        [("head", "head 1,000 (default), the rest in the overflow table", 1000), ("whole", "head 10,000: the whole queue in the state", 10_000)];

    public async Task<int> RunAsync(BenchmarkContext context)
    {
        var (options, report, ct) = (context.Options, context.Report, context.CancellationToken);
        var most = options.Jobs ?? 10_000;
        var verdicts = new ReportTable("The claim", "configuration", "batch p50 at most / at none", "target", "verdict");
        foreach (var (name, label, queueHead) in Configurations.Where(c => options.Includes(c.Name)))
        {
            var ratio = await RunOneAsync(label, queueHead, most, options, report, ct);
            verdicts.Row(label, ratio.ToString("0.00", CultureInfo.InvariantCulture), $"<= {TargetRatio:0.0}",
                name == "head" ? report.Verdict(ratio <= TargetRatio ? "MET" : "MISSED") : "(for comparison)");
        }

        report.AddTable(verdicts);
        report.Method = $"limit 1 held by one real job (a 1 h nap); the queue filled with Acquire signals from the client (16 at a time) for ULIDs with no orchestration; " +
                        $"per step {options.WarmupRounds} warm-up + {options.Rounds} rounds of: read the state, signal one more Acquire and poll (5 ms) until the state counts it; " +
                        "each configuration on a fresh Azurite and app";
        report.Note("read: DurableTaskClient.Entities.GetEntityAsync<GateState> (the client reads the entity's instance row, and the blob the backend moves a large state to). " +
                    "batch: signal -> committed state counts one more waiter; it includes the control-queue pickup (MaxQueuePollingInterval 100 ms, the test host's) and the polls' own reads.");
        report.Note("state (JSON): the state as System.Text.Json writes it; the backend stores it inside the entity's history, compressed to a blob once past the table's property limit. " +
                    "With the default head, waiters past the first 1,000 are rows of the overflow table (FuncTasks:Concurrency:QueueHead).");
        BenchmarkContext.Progress("done");
        return 0;
    }

    /// <summary>One app's steps; the ratio of its batch p50 at the most waiters to that at none.</summary>
    private static async Task<double> RunOneAsync(string label, int queueHead, int most, BenchmarkOptions options, Report report, CancellationToken ct)
    {
        BenchmarkContext.Progress($"{label}: starting Azurite (in memory, free ports) and the app");
        await using var azurite = await AzuriteServer.StartAsync();
        await using var app = await BenchApp.StartAsync("limit 1", azurite.ConnectionString, new Dictionary<string, string?>
        {
            ["FuncTasks:Concurrency:Limit"] = "1",
            ["FuncTasks:Concurrency:QueueHead"] = queueHead.ToString(CultureInfo.InvariantCulture),
        }, 4);
        var taskId = await app.CreateFunctionTaskAsync(BenchApp.Nap, """{"ms": 3600000}""", ct);
        var holder = await app.ExecuteAsync(taskId, "{}", ct);
        await UntilAsync(app.Durable, s => s?.Held.Contains(holder) == true, TimeSpan.FromMinutes(1), "the holder job never got the permit", ct);

        var table = new ReportTable($"The gate's state as its queue grows (limit 1, one holder): {label}, ms",
            "waiters", "state (JSON)", "read p50", "read p95", "batch p50", "batch p95", "fill (signals/s)");
        var batchAtEmpty = double.NaN;
        var batchAtMost = double.NaN;
        var waiting = 0;
        foreach (var step in Steps.Where(s => s <= most).Append(most).Distinct())
        {
            var fillRate = double.NaN;
            if (step > waiting)
            {
                BenchmarkContext.Progress($"{label}: queueing {step - waiting} more waiters (to {step})");
                var started = Stopwatch.GetTimestamp();
                await Parallel.ForEachAsync(Enumerable.Range(0, step - waiting), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = ct },
                    async (_, token) => await app.Durable.Entities.SignalEntityAsync(ConcurrencyGate.Id, ConcurrencyGate.Operations.Acquire, Ulid.NewUlid().ToString(), cancellation: token));
                var target = step;
                await UntilAsync(app.Durable, s => s?.Waiting >= target, TimeSpan.FromMinutes(15), $"the queue never reached {target}", ct);
                fillRate = (step - waiting) / Stopwatch.GetElapsedTime(started).TotalSeconds;
                waiting = step;
            }

            var reads = new List<double>();
            var batches = new List<double>();
            GateState? state = null;
            for (var round = -options.WarmupRounds; round < options.Rounds; round++)
            {
                var read = Stopwatch.GetTimestamp();
                state = (await app.Durable.Entities.GetEntityAsync<GateState>(ConcurrencyGate.Id, cancellation: ct))?.State;
                var readMs = Stopwatch.GetElapsedTime(read).TotalMilliseconds;

                // One more waiter: the time from its signal to the committed state that counts it.
                var before = state?.Waiting ?? 0;
                var signaled = Stopwatch.GetTimestamp();
                await app.Durable.Entities.SignalEntityAsync(ConcurrencyGate.Id, ConcurrencyGate.Operations.Acquire, Ulid.NewUlid().ToString(), cancellation: ct);
                await UntilAsync(app.Durable, s => s?.Waiting > before, TimeSpan.FromMinutes(1), "one more waiter never showed", ct, TimeSpan.FromMilliseconds(5));
                var batchMs = Stopwatch.GetElapsedTime(signaled).TotalMilliseconds;
                waiting++;
                if (round >= 0)
                {
                    reads.Add(readMs);
                    batches.Add(batchMs);
                }
            }

            var sortedReads = Statistics.Sorted(reads);
            var sortedBatches = Statistics.Sorted(batches);
            var batchP50 = Statistics.Quantile(sortedBatches, 0.5);
            batchAtEmpty = step == 0 ? batchP50 : batchAtEmpty;
            batchAtMost = batchP50;
            table.Row(step.ToString("N0", CultureInfo.InvariantCulture), $"{JsonSerializer.SerializeToUtf8Bytes(state).Length / 1024.0:0.0} KiB",
                F(Statistics.Quantile(sortedReads, 0.5)), F(Statistics.Quantile(sortedReads, 0.95)), F(batchP50), F(Statistics.Quantile(sortedBatches, 0.95)),
                double.IsNaN(fillRate) ? "-" : fillRate.ToString("0", CultureInfo.InvariantCulture));
        }

        report.AddTable(table);
        BenchmarkContext.Progress($"{label}: stopping the app and Azurite");
        return batchAtMost / batchAtEmpty;
    }

    private static async Task UntilAsync(DurableTaskClient client, Func<GateState?, bool> condition, TimeSpan timeout, string what, CancellationToken ct, TimeSpan? poll = null)
    {
        var started = Stopwatch.GetTimestamp();
        while (!condition((await client.Entities.GetEntityAsync<GateState>(ConcurrencyGate.Id, cancellation: ct))?.State))
        {
            if (Stopwatch.GetElapsedTime(started) > timeout)
            {
                throw new TimeoutException($"gate-state: {what} within {timeout.TotalSeconds:0} s");
            }

            await Task.Delay(poll ?? TimeSpan.FromMilliseconds(250), ct);
        }
    }

    private static string F(double value) => value.ToString("0.0", CultureInfo.InvariantCulture);
}
