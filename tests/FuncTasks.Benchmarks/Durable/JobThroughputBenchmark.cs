using System.Globalization;
using FuncTasks.Benchmarks.Harness;
using FuncTasks.Testing;

namespace FuncTasks.Benchmarks.Durable;

/// <summary>
/// <c>job-throughput</c>: a batch of no-op function jobs submitted at once, jobs per second from the first POST to the
/// last job's finished_at; the gate at limits 1, 5 and 20 and the gate off, each on a fresh app (tables + task hub).
/// </summary>
internal sealed class JobThroughputBenchmark : IBenchmarkCommand
{
    /// <summary>The target: at limit 20 the gate costs at most 25% of the throughput with the gate off.</summary>
    public const double TargetShare = 0.75;

    public string Name => "job-throughput";

    public string Summary => "a batch of no-op function jobs at once: jobs/s to the last completion, gate limit 1, 5, 20 and gate off";

    public BenchmarkOptions Defaults => new() { WarmupRounds = 10, Rounds = 1, AllocationCalls = 0, Jobs = 500, Activities = 32 };

    public BenchmarkOptions QuickDefaults => new() { WarmupRounds = 5, Rounds = 1, AllocationCalls = 0, Jobs = 60, Activities = 32 };

    public string DefaultsSummary => "full: 500 jobs per configuration, 32 activity slots, about 3-4 min; --quick: 60 jobs, under 1 min";

    public async Task<int> RunAsync(BenchmarkContext context)
    {
        var (options, report, ct) = (context.Options, context.Report, context.CancellationToken);
        var jobs = options.Jobs ?? 500;
        var activities = options.Activities ?? 32;
        var configurations = new (string Name, string Label, Dictionary<string, string?> Settings)[]
        {
            ("off", "gate off", new() { ["FuncTasks:Concurrency:Enabled"] = "false" }),
            ("20", "gate, limit 20", new() { ["FuncTasks:Concurrency:Limit"] = "20" }),
            ("5", "gate, limit 5", new() { ["FuncTasks:Concurrency:Limit"] = "5" }),
            ("1", "gate, limit 1", new() { ["FuncTasks:Concurrency:Limit"] = "1" }),
        }.Where(c => options.Includes(c.Name)).ToArray();
        if (configurations.Length == 0)
        {
            Console.Error.WriteLine($"{Name}: --only knows 1, 5, 20, off");
            return 2;
        }

        BenchmarkContext.Progress("starting Azurite (in memory, free ports)");
        await using var azurite = await AzuriteServer.StartAsync();
        using var durableLog = FileLog.Open(options.DurableLog);

        var batches = new List<(string Name, JobBatch Batch, string Load)>();
        foreach (var (name, label, settings) in configurations)
        {
            await using var app = await BenchApp.StartAsync(label, azurite.ConnectionString, settings, activities, durableLog);
            var taskId = await app.CreateFunctionTaskAsync(BenchApp.Noop, null, ct);

            // Warm-up: the partitions leased, the code jitted, the gate entity created.
            BenchmarkContext.Progress($"{label}: warming up with {options.WarmupRounds} jobs at once");
            _ = await JobBatch.RunAsync(app, taskId, options.WarmupRounds, "{}", ct);
            await Task.Delay(TimeSpan.FromSeconds(1), ct);

            BenchmarkContext.Progress($"{label}: submitting {jobs} jobs at once");
            var batch = await JobBatch.RunAsync(app, taskId, jobs, "{}", ct);
            batches.Add((name, batch, MachineInfo.LoadAverage()));
            BenchmarkContext.Progress($"{label}: {batch.JobsPerSecond:0.0} jobs/s ({jobs} in {batch.Makespan.TotalSeconds:0.0} s), at most {batch.MaxOverlap} running at once");
        }

        var off = batches.FirstOrDefault(b => b.Name == "off").Batch;
        var table = new ReportTable(
            $"{jobs} no-op function jobs submitted at once, per configuration (a fresh app each: tables + task hub); MaxConcurrentActivities {activities}",
            "configuration", "jobs/s", "vs gate off", "makespan", "all accepted", "most running", "mean running", "wait p50", "wait p95", "run p50", "load avg after");
        foreach (var (name, batch, load) in batches)
        {
            var waits = Statistics.Sorted(batch.Waits);
            var runs = Statistics.Sorted(batch.RunTimes);
            table.Row(
                batch.Label,
                F(batch.JobsPerSecond, 1),
                off is null ? "-" : F(batch.JobsPerSecond / off.JobsPerSecond, 3),
                $"{F(batch.Makespan.TotalSeconds, 1)} s",
                $"{F(batch.SubmitDuration.TotalSeconds, 1)} s",
                batch.MaxOverlap.ToString(CultureInfo.InvariantCulture),
                F(batch.MeanRunning, 2),
                $"{F(Statistics.Quantile(waits, 0.5) / 1000, 1)} s",
                $"{F(Statistics.Quantile(waits, 0.95) / 1000, 1)} s",
                $"{F(Statistics.Quantile(runs, 0.5), 0)} ms",
                load.Split(' ')[0]);
        }

        report.AddTable(table);
        var twenty = batches.FirstOrDefault(b => b.Name == "20").Batch;
        if (off is not null && twenty is not null)
        {
            var share = twenty.JobsPerSecond / off.JobsPerSecond;
            report.AddTable(new ReportTable("Target", "comparison", "value", "target", "verdict")
                .Row("throughput at limit 20 / gate off", F(share, 3), $">= {F(TargetShare, 2)}", report.Verdict(share >= TargetShare ? "MET" : "MISSED")));
        }

        report.Method = $"{options.WarmupRounds} warm-up jobs, then {jobs} jobs submitted at once (all POST $execute in flight together) per configuration, one configuration after the other";
        report.Note("jobs/s = jobs / (last job's finished_at - first POST sent); the wait is submitted_at -> started_at, the run started_at -> finished_at (the activity's own work); " +
                    "most running = the most jobs whose [started_at, finished_at] overlap; mean running = sum of run times / makespan.");
        report.Note(EngineLimits.Describe(activities));
        report.Note("The task is the registered no-op function 'bench_noop'; every job must end completed with an artifact, or the run fails.");
        BenchmarkContext.Progress("stopping Azurite");
        return 0;
    }

    private static string F(double value, int decimals) => value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
}
