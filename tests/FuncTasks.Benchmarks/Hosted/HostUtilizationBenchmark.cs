using System.Globalization;
using FuncTasks.Benchmarks.Durable;
using FuncTasks.Benchmarks.Harness;
using FuncTasks.Testing;

namespace FuncTasks.Benchmarks.Hosted;

/// <summary>
/// <c>host-utilization</c>: <c>gate-utilization</c> under a real Functions host. Many shell jobs that sleep (200 ms or
/// 1 s) are submitted at once to a gate of limit 20 or 5 (the app setting, as a deployment sets it); while jobs wait,
/// the mean number of permits in use and the hand-off (a finish to the next start), from the job records alone. A fresh
/// Azurite and host per configuration.
/// </summary>
internal sealed class HostUtilizationBenchmark : IBenchmarkCommand
{
    /// <summary>The issue's targets under the real host: hand-off p50 and p95, ms.</summary>
    public const double HandoffP50Target = 50;

    public const double HandoffP95Target = 150;

    private static readonly (int Limit, int NapMs)[] Configurations = [(20, 200), (5, 200), (20, 1000), (5, 1000)];

    public string Name => "host-utilization";

    public string Summary => "gate-utilization under a real Functions host: shell jobs of 200 ms / 1 s at limits 20 and 5, permits in use and hand-off from the records";

    public BenchmarkOptions Defaults => new() { WarmupRounds = 10, Rounds = 1, AllocationCalls = 0, Jobs = 500 };

    public BenchmarkOptions QuickDefaults => new() { WarmupRounds = 5, Rounds = 1, AllocationCalls = 0, Jobs = 100 };

    public string DefaultsSummary => "full: 500 jobs per configuration (--only 20x200,5x200,20x1000,5x1000), about 10 min; --quick: 100 jobs";

    public async Task<int> RunAsync(BenchmarkContext context)
    {
        var (options, report, ct) = (context.Options, context.Report, context.CancellationToken);
        if (HostedFolders.MissingHost() is { } missing)
        {
            Console.Error.WriteLine($"{Name}: not run: {missing}");
            return 3;
        }

        var jobs = options.Jobs ?? 500;
        var table = new ReportTable($"Permits in use while jobs wait ({jobs} shell jobs submitted at once), under {HostedFolders.DescribeHost()}",
            "limit x job", "mean in use", "of the limit", "window", "handoff p50", "handoff p95", "jobs/s", "target", "verdict");
        foreach (var (limit, napMs) in Configurations.Where(c => options.Includes($"{c.Limit}x{c.NapMs}")))
        {
            var label = $"limit {limit}, {napMs} ms";
            BenchmarkContext.Progress($"{label}: starting a fresh Azurite and the host");
            var settings = HostedFolders.Settings("app", new Dictionary<string, string>
            {
                ["FuncTasks__Concurrency__Limit"] = limit.ToString(CultureInfo.InvariantCulture),
                ["FuncTasks__Shell__Enabled"] = "true",
            });
            var seconds = (napMs / 1000.0).ToString("0.0##", CultureInfo.InvariantCulture);
            await using var side = await JobSide.StartAsync(label, settings, storage: null, ct, $$"""{"command": "sleep {{seconds}}", "task_type": "shell", "enabled": true}""");
            _ = await RunBatchAsync(side, options.WarmupRounds, label, ct);
            await Task.Delay(TimeSpan.FromSeconds(1), ct);

            BenchmarkContext.Progress($"{label}: {jobs} jobs at once");
            var (records, jobsPerSecond) = await RunBatchAsync(side, jobs, label, ct);
            var saturated = GateUtilizationBenchmark.Saturation.Of(records, limit);
            var met = saturated.MeanInUse / limit >= GateUtilizationBenchmark.Target
                      && saturated.HandoffP50 <= HandoffP50Target && saturated.HandoffP95 <= HandoffP95Target;
            table.Row($"{limit} x {napMs} ms", F(saturated.MeanInUse, "0.00"), F(saturated.MeanInUse / limit, "0.000"),
                $"{saturated.Window.TotalSeconds:0.0} s", F(saturated.HandoffP50, "0"), F(saturated.HandoffP95, "0"), F(jobsPerSecond, "0.0"),
                $">= {GateUtilizationBenchmark.Target}; {HandoffP50Target:0} / {HandoffP95Target:0} ms", report.Verdict(met ? "MET" : "MISSED"));
            BenchmarkContext.Progress($"{label}: {saturated.MeanInUse / limit:0.000} of the limit in use, handoff p50 {saturated.HandoffP50:0} ms");
        }

        report.AddTable(table);
        report.Method = $"per configuration a fresh Azurite and one Functions host, {options.WarmupRounds} warm-up jobs, then {jobs} shell jobs `sleep <s>` submitted at once " +
                        "(every $execute in flight together); the limit is the app setting FuncTasks__Concurrency__Limit";
        report.Note("Window, mean in use and hand-off as in gate-utilization: the window runs from the moment the limit-th job started to the last job's start; a permit is in use " +
                    "from a job's started_at to its finished_at; the k-th finish frees the permit the (limit + k)-th start takes, the hand-off is the time between the two.");
        report.Note($"Host: {HostedFolders.DescribeHost()}; app built from {HostedFolders.DescribeSource()}, with the repository's host.json (maxQueuePollingInterval 1 s; " +
                    "the host's maxConcurrentActivityFunctions 10 x cores). A shell job's run includes its process start and output capture (shell-overhead: about 1 ms).");
        return 0;
    }

    /// <summary>Submits <paramref name="count"/> jobs at once and waits until all have ended; their records (all completed) and jobs/s.</summary>
    private static async Task<(IReadOnlyList<JobRecord> Records, double JobsPerSecond)> RunBatchAsync(JobSide side, int count, string label, CancellationToken ct)
    {
        var sent = DateTimeOffset.UtcNow;
        var ids = (await Task.WhenAll(Enumerable.Range(0, count).Select(_ => side.StartAsync(ct)))).Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromMinutes(20);
        while (true)
        {
            var mine = (await side.ListJobsAsync(ct)).Where(r => ids.Contains(r.Id)).ToList();
            if (mine.Count == count && mine.All(r => r.FinishedAt is not null))
            {
                if (mine.FirstOrDefault(r => r.Status != "completed" || r.StartedAt is null) is { } bad)
                {
                    throw new InvalidOperationException($"{label}: job {bad.Id} ended {bad.Status}\n--- host log ---\n{side.Host.Tail(30)}");
                }

                return (mine, count / (mine.Max(r => r.FinishedAt!.Value) - sent).TotalSeconds);
            }

            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new TimeoutException($"{label}: {mine.Count(r => r.FinishedAt is null)} of {count} jobs not finished in 20 min\n--- host log ---\n{side.Host.Tail(30)}");
            }

            await Task.Delay(TimeSpan.FromSeconds(1), ct);
        }
    }

    private static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);
}
