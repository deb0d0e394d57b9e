using System.Globalization;
using FuncTasks.Benchmarks.Harness;
using FuncTasks.Testing;

namespace FuncTasks.Benchmarks.Durable;

/// <summary>
/// <c>job-throughput</c>: a batch of no-op function jobs submitted at once, jobs per second from the first POST to the
/// last job's finished_at; the gate at limits 1, 5 and 20 and the gate off, each on a fresh app (tables + task hub).
/// The configurations run <c>--rounds</c> times, in alternating order; the target is judged on the median of the rounds'
/// limit-20 / gate-off ratios (a shared machine moves single runs by ±15%).
/// </summary>
internal sealed class JobThroughputBenchmark : IBenchmarkCommand
{
    /// <summary>The issue's target: at limit 20 the gate costs at most 25% of the throughput with the gate off.</summary>
    public const double TargetShare = 0.75;

    public string Name => "job-throughput";

    public string Summary => "a batch of no-op function jobs at once: jobs/s to the last completion, gate limit 1, 5, 20 and gate off";

    public BenchmarkOptions Defaults => new() { WarmupRounds = 10, Rounds = 3, AllocationCalls = 0, Jobs = 500, Activities = 32 };

    public BenchmarkOptions QuickDefaults => new() { WarmupRounds = 5, Rounds = 1, AllocationCalls = 0, Jobs = 60, Activities = 32 };

    public string DefaultsSummary => "full: 3 rounds of 10 warm-up + 500 jobs per configuration, 32 activity slots, about 13 min (--only off,20: about 5 min); --quick: 1 round of 5 + 60 jobs, about 45 s";

    public async Task<int> RunAsync(BenchmarkContext context)
    {
        var (options, report, ct) = (context.Options, context.Report, context.CancellationToken);
        var jobs = options.Jobs ?? 500;
        var activities = options.Activities ?? 32;
        var visibility = TimeSpan.FromSeconds(options.ControlVisibilitySeconds ?? 300);
        var limit = TimeSpan.FromMinutes(options.Quick ? 2 : 6);
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

        using var durableLog = FileLog.Open(options.DurableLog);

        var rounds = Math.Max(1, options.Rounds);
        var batches = new List<(string Name, int Round, JobBatch Batch, string Load, Watchdog Watch, IReadOnlyCollection<StorageRequest> Requests)>();
        var failed = new List<string>();
        var watchdogs = new List<string>();
        var schedule = Enumerable.Range(1, rounds)
            .SelectMany(round => (round % 2 == 1 ? configurations : configurations.Reverse()).Select(c => (c.Name, Label: rounds > 1 ? $"{c.Label} #{round}" : c.Label, c.Settings, Round: round)))
            .ToList();
        foreach (var (name, label, settings, round) in schedule)
        {
            // A fresh Azurite per configuration too: Azurite's in-memory queue GC (every 60 s) takes time that grows with the
            // messages deleted since the last one, so what one configuration leaves behind must not land on the next.
            BenchmarkContext.Progress($"{label}: starting a fresh Azurite (in memory, free ports)");
            await using var azurite = await AzuriteServer.StartAsync();
            using var watchdog = new Watchdog(azurite.TablePort);
            await using var app = await BenchApp.StartAsync(label, azurite.ConnectionString, settings, activities, durableLog, visibility);
            var taskId = await app.CreateFunctionTaskAsync(BenchApp.Noop, null, ct);

            // Warm-up: the partitions leased, the code jitted, the gate entity created.
            BenchmarkContext.Progress($"{label}: warming up with {options.WarmupRounds} jobs at once");
            _ = await JobBatch.RunAsync(app, taskId, options.WarmupRounds, "{}", ct);
            await Task.Delay(TimeSpan.FromSeconds(1), ct);

            BenchmarkContext.Progress($"{label}: submitting {jobs} jobs at once");
            watchdog.Reset();
            using var trace = new HttpTrace(azurite.BlobPort, azurite.QueuePort, azurite.TablePort);
            try
            {
                var batch = await JobBatch.RunAsync(app, taskId, jobs, "{}", ct, limit);
                var requests = trace.Requests.ToList();
                if (options.TraceStorage)
                {
                    report.AddTable(SlowRequests(label, app, requests, jobs));
                }

                batches.Add((name, round, batch, MachineInfo.LoadAverage(), watchdog, requests));
                watchdogs.Add($"{label}: {watchdog.Describe()}");
                BenchmarkContext.Progress($"{label}: {batch.JobsPerSecond:0.0} jobs/s ({jobs} in {batch.Makespan.TotalSeconds:0.0} s), at most {batch.MaxOverlap} running at once");
            }
            catch (TimeoutException ex)
            {
                // A configuration that does not drain in time is a result too; the others still run.
                failed.Add($"{label}: {ex.Message} (watchdog: {watchdog.Describe()})");
                BenchmarkContext.Progress($"{label}: DID NOT FINISH - {ex.Message}");
            }
        }

        JobBatch? Find(string name, int round) => batches.FirstOrDefault(b => b.Name == name && b.Round == round).Batch;
        var table = new ReportTable(
            $"{jobs} no-op function jobs submitted at once, per configuration (a fresh app each: tables + task hub); MaxConcurrentActivities {activities}",
            "configuration", "jobs/s", "vs gate off", "makespan", "all accepted", "most running", "mean running", "wait p50", "wait p95", "run p50",
            "requests/job", "messages/job", "Azurite CPU", "load avg after");
        foreach (var (name, round, batch, load, watch, requests) in batches)
        {
            var off = Find("off", round);
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
                F(requests.Count / (double)jobs, 1),
                F(requests.Count(r => r.Service == "queue" && r.Kind == "put message") / (double)jobs, 1),
                $"{F(watch.Summary().AzuriteCpuMean, 0)}%",
                load.Split(' ')[0]);
        }

        report.AddTable(table);
        var shares = Enumerable.Range(1, rounds)
            .Select(round => (Off: Find("off", round), Twenty: Find("20", round)))
            .Where(pair => pair.Off is not null && pair.Twenty is not null)
            .Select(pair => pair.Twenty!.JobsPerSecond / pair.Off!.JobsPerSecond)
            .ToList();
        if (shares.Count > 0)
        {
            var median = Statistics.Quantile(Statistics.Sorted(shares), 0.5);
            var label = shares.Count == 1 ? "throughput at limit 20 / gate off" : $"throughput at limit 20 / gate off, median of {shares.Count} rounds ({string.Join(", ", shares.Select(x => F(x, 3)))})";
            report.AddTable(new ReportTable("Target", "comparison", "value", "target", "verdict")
                .Row(label, F(median, 3), $">= {F(TargetShare, 2)}", report.Verdict(median >= TargetShare ? "MET" : "MISSED")));
        }

        foreach (var line in watchdogs)
        {
            report.Note($"Watchdog, {line}");
        }

        foreach (var failure in failed)
        {
            report.Note($"DID NOT FINISH within {limit.TotalMinutes:0} min: {failure}");
        }

        report.Method = $"{rounds} round(s); per configuration {options.WarmupRounds} warm-up jobs, then {jobs} jobs submitted at once (all POST $execute in flight together); " +
                        "one configuration after the other, in reverse order every other round; 'vs gate off' compares with the same round's gate-off run";
        report.Note("jobs/s = jobs / (last job's finished_at - first POST sent); the wait is submitted_at -> started_at, the run started_at -> finished_at (the activity's own work); " +
                    "most running = the most jobs whose [started_at, finished_at] overlap; mean running = sum of run times / makespan.");
        report.Note(EngineLimits.Describe(activities));
        report.Note($"Control-queue visibility timeout {visibility.TotalSeconds:0} s (the Azure Storage backend's and the Functions host's default is 300 s; the test host's own default, 10 s, " +
                    "turns a burst like this into a livelock of redelivered messages, see the README); MaxQueuePollingInterval 100 ms, 4 partitions.");
        report.Note("requests/job, messages/job: every storage request of the process during the batch (an ActivityListener on System.Net.Http; app and durable engine together) and the queue messages sent, per job. " +
                    "Azurite CPU: its process's CPU time over the batch, in % of one core (Node serves all three storage services on one thread), from a watchdog thread that every 500 ms " +
                    "also times a bare HTTP request to Azurite and a work item queued to this process's thread pool.");
        report.Note("The task is the registered no-op function 'bench_noop'; every job must end completed with an artifact, or the run fails. Each configuration has its own Azurite, app tables and task hub.");
        BenchmarkContext.Progress("stopping Azurite");
        return 0;
    }

    /// <summary>Storage requests of one batch by kind, the slowest kinds first (--trace-storage).</summary>
    private static ReportTable SlowRequests(string label, BenchApp app, List<StorageRequest> requests, int jobs)
    {
        var table = new ReportTable($"{label}: storage requests during the batch by kind (--trace-storage), the 12 with the most time",
            "request", "count", "total s", "median ms", "p99 ms", "max ms", "slowest started at");
        var kinds = requests
            .GroupBy(r => $"{r.Service} {Resource(app, r.Resource)}: {r.Kind}")
            .Select(g => (Name: g.Key, Items: g.ToList(), Total: g.Sum(r => r.Milliseconds)))
            .OrderByDescending(g => g.Total)
            .Take(12);
        foreach (var (name, items, total) in kinds)
        {
            var sorted = Statistics.Sorted(items.Select(r => r.Milliseconds));
            var slowest = items.MaxBy(r => r.Milliseconds)!;
            table.Row(name, items.Count.ToString(CultureInfo.InvariantCulture), F(total / 1000, 1), F(Statistics.Quantile(sorted, 0.5), 1),
                F(Statistics.Quantile(sorted, 0.99), 0), F(sorted[^1], 0), slowest.Start.ToString("HH:mm:ss.f", CultureInfo.InvariantCulture));
        }

        var queueMessages = requests.Count(r => r.Service == "queue" && r.Kind == "put message");
        table.Row($"all requests ({F(requests.Count / (double)jobs, 1)} per job; {F(queueMessages / (double)jobs, 1)} queue messages sent per job)",
            requests.Count.ToString(CultureInfo.InvariantCulture), F(requests.Sum(r => r.Milliseconds) / 1000, 1), "-", "-", "-", "-");
        return table;

        static string Resource(BenchApp app, string resource) =>
            resource.StartsWith(app.App.Prefix, StringComparison.Ordinal) ? "app " + resource[app.App.Prefix.Length..]
            : resource.StartsWith(app.TaskHub, StringComparison.OrdinalIgnoreCase) ? "hub " + (resource[app.TaskHub.Length..].TrimStart('-') is { Length: > 0 } rest
                ? (rest.StartsWith("control", StringComparison.OrdinalIgnoreCase) ? "control queues" : rest) : "(hub)")
            : resource;
    }

    private static string F(double value, int decimals) => value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
}
