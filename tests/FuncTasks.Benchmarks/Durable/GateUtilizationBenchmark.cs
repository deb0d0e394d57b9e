using System.Globalization;
using FuncTasks.Benchmarks.Harness;
using FuncTasks.Testing;

namespace FuncTasks.Benchmarks.Durable;

/// <summary>
/// <c>gate-utilization</c>: a saturated gate. Many jobs that each sleep (200 ms or 1 s) are submitted at once to a gate
/// of limit 20 or 5; while jobs wait, how many permits are in use on average, from the job records alone (a permit is
/// in use from a job's started_at to its finished_at). The physical limit is 1.0 of the limit: every gap between one
/// job's finish and the next one's start is a permit that sits idle while someone waits.
/// </summary>
internal sealed class GateUtilizationBenchmark : IBenchmarkCommand
{
    /// <summary>The target: at least 0.9 of the limit in use while jobs wait.</summary>
    public const double Target = 0.9;

    private static readonly (int Limit, int NapMs)[] Configurations = [(20, 200), (5, 200), (20, 1000), (5, 1000)];

    public string Name => "gate-utilization";

    public string Summary => "a saturated gate (limits 20 and 5, jobs of 200 ms and 1 s): mean permits in use while jobs wait, from the records";

    public BenchmarkOptions Defaults => new() { WarmupRounds = 10, Rounds = 1, AllocationCalls = 0, Jobs = 500, Activities = 32 };

    public BenchmarkOptions QuickDefaults => new() { WarmupRounds = 5, Rounds = 1, AllocationCalls = 0, Jobs = 100, Activities = 32 };

    public string DefaultsSummary => "full: 500 jobs per configuration (limit 20 / 5, 200 ms / 1 s; --only 20x200,5x1000...), about 6 min; --quick: 100 jobs";

    public async Task<int> RunAsync(BenchmarkContext context)
    {
        var (options, report, ct) = (context.Options, context.Report, context.CancellationToken);
        var jobs = options.Jobs ?? 500;
        var activities = options.Activities ?? 32;
        var visibility = TimeSpan.FromSeconds(options.ControlVisibilitySeconds ?? 300);
        var table = new ReportTable($"Permits in use while jobs wait ({jobs} jobs submitted at once), from the job records",
            "limit x job", "mean in use", "of the limit", "window", "handoff p50", "handoff p95", "jobs/s", "target", "verdict");
        foreach (var (limit, napMs) in Configurations.Where(c => options.Includes($"{c.Limit}x{c.NapMs}")))
        {
            BenchmarkContext.Progress($"limit {limit}, jobs of {napMs} ms: starting Azurite (in memory, free ports) and the app");
            await using var azurite = await AzuriteServer.StartAsync();
            await using var app = await BenchApp.StartAsync($"limit {limit}", azurite.ConnectionString,
                new Dictionary<string, string?> { ["FuncTasks:Concurrency:Limit"] = limit.ToString(CultureInfo.InvariantCulture) }, activities, null, visibility);
            var taskId = await app.CreateFunctionTaskAsync(BenchApp.Nap, $$"""{"ms": {{napMs}}}""", ct);
            _ = await JobBatch.RunAsync(app, taskId, options.WarmupRounds, "{}", ct);
            await Task.Delay(TimeSpan.FromSeconds(1), ct);

            BenchmarkContext.Progress($"limit {limit}: {jobs} jobs of {napMs} ms at once");
            var batch = await JobBatch.RunAsync(app, taskId, jobs, "{}", ct, TimeSpan.FromMinutes(20));
            var saturated = Saturation.Of(batch.Records, limit);
            table.Row($"{limit} x {napMs} ms", F(saturated.MeanInUse, "0.00"), F(saturated.MeanInUse / limit, "0.000"),
                $"{saturated.Window.TotalSeconds:0.0} s", F(saturated.HandoffP50, "0"), F(saturated.HandoffP95, "0"), F(batch.JobsPerSecond, "0.0"),
                $">= {Target}", report.Verdict(saturated.MeanInUse / limit >= Target ? "MET" : "MISSED"));
        }

        report.AddTable(table);
        report.Method = $"{options.WarmupRounds} warm-up jobs, then {jobs} jobs of the task function '{BenchApp.Nap}' submitted at once, per configuration, each on a fresh Azurite and app";
        report.Note("Window: from the moment the limit-th job started (the gate full) to the last job's start (after it nobody waits). Mean in use = the sum over jobs of their " +
                    "started_at..finished_at overlap with the window, over the window's length. Handoff: the k-th finish frees the permit that the (limit + k)-th start takes; " +
                    "the time between the two, ms (release -> next job running as the records show it).");
        report.Note($"Settings: MaxConcurrentActivities {activities} (more than the limit, so activity slots do not bind), the durable test host's MaxQueuePollingInterval 100 ms, 4 partitions.");
        return 0;
    }

    private static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    /// <summary>How busy the permits were while the gate was saturated.</summary>
    internal sealed record Saturation(double MeanInUse, TimeSpan Window, double HandoffP50, double HandoffP95)
    {
        public static Saturation Of(IReadOnlyList<JobRecord> records, int limit)
        {
            var starts = records.Select(r => r.StartedAt!.Value).Order().ToArray();
            var finishes = records.Select(r => r.FinishedAt!.Value).Order().ToArray();
            var (from, to) = (starts[Math.Min(limit, starts.Length) - 1], starts[^1]);
            var window = to - from;
            var busy = records.Sum(r => Overlap(r.StartedAt!.Value, r.FinishedAt!.Value, from, to));
            // Saturated, the k-th permit to come back is the one the (limit + k)-th job to start takes.
            var handoffs = Statistics.Sorted(Enumerable.Range(0, Math.Max(0, starts.Length - limit))
                .Select(k => (starts[limit + k] - finishes[k]).TotalMilliseconds));
            return new Saturation(window > TimeSpan.Zero ? busy / window.TotalSeconds : double.NaN, window,
                handoffs.Length > 0 ? Statistics.Quantile(handoffs, 0.5) : double.NaN, handoffs.Length > 0 ? Statistics.Quantile(handoffs, 0.95) : double.NaN);
        }

        private static double Overlap(DateTimeOffset start, DateTimeOffset end, DateTimeOffset from, DateTimeOffset to) =>
            Math.Max(0, ((end < to ? end : to) - (start > from ? start : from)).TotalSeconds);
    }
}
