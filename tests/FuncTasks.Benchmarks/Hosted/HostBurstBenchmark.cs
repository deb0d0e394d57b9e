using System.Globalization;
using FuncTasks.Benchmarks.Harness;
using FuncTasks.Testing;

namespace FuncTasks.Benchmarks.Hosted;

/// <summary>
/// <c>host-burst</c>: under a real Functions host, a burst of no-op jobs accepted at once (all <c>$execute</c> calls in
/// flight together), jobs per second from the first call sent to the last job completed; with the gate at the default
/// limit 5, at a limit that does not bind (200, set with <c>PUT /api/v1/concurrency</c>) and off, beside the bare Durable
/// app's burst of as many orchestrations. Each run gets a fresh Azurite and a single host, so nothing one configuration
/// leaves behind (queue garbage, an idle host polling) lands on the next; the configurations alternate their order
/// round by round.
/// </summary>
internal sealed class HostBurstBenchmark : IBenchmarkCommand
{
    private static readonly TimeSpan EndPoll = TimeSpan.FromMilliseconds(500);

    public string Name => "host-burst";

    public string Summary => "a burst of no-op jobs under a real Functions host: jobs/s at gate limit 5 and 200 (PUT), gate off, and a bare Durable app's burst";

    public BenchmarkOptions Defaults => new() { WarmupRounds = 10, Rounds = 3, AllocationCalls = 0, Jobs = 200 };

    public BenchmarkOptions QuickDefaults => new() { WarmupRounds = 5, Rounds = 1, AllocationCalls = 0, Jobs = 60 };

    public string DefaultsSummary => "full: 3 rounds of 10 warm-up + 200 per configuration, a fresh Azurite and host each, 6-10 min; --quick: 1 round of 5 + 60, about 1.5 min";

    private static readonly Configuration[] All =
    [
        new("bare", "bare orchestration", Bare: true, null, new Dictionary<string, string>()),
        new("off", "job, gate off", Bare: false, null, new Dictionary<string, string> { ["FuncTasks__Concurrency__Enabled"] = "false" }),
        new("200", "job, gate on, limit 200 (PUT)", Bare: false, 200, new Dictionary<string, string>()),
        new("5", "job, gate on, limit 5 (default)", Bare: false, null, new Dictionary<string, string>()),
        new("20", "job, gate on, limit 20 (setting)", Bare: false, null, new Dictionary<string, string> { ["FuncTasks__Concurrency__Limit"] = "20" }),
        // Not run unless named in --only: the limit as an app setting instead of through the API.
        new("200s", "job, gate on, limit 200 (setting)", Bare: false, null, new Dictionary<string, string> { ["FuncTasks__Concurrency__Limit"] = "200" }),
    ];

    public async Task<int> RunAsync(BenchmarkContext context)
    {
        var (options, report, ct) = (context.Options, context.Report, context.CancellationToken);
        if (HostedFolders.MissingHost() is { } missing)
        {
            Console.Error.WriteLine($"{Name}: not run: {missing}");
            return 3;
        }

        var configurations = options.Only.Count == 0 ? All.Where(c => c.Name is not "200s" and not "20").ToArray() : All.Where(c => options.Includes(c.Name)).ToArray();
        if (configurations.Length == 0)
        {
            Console.Error.WriteLine($"{Name}: --only knows {string.Join(", ", All.Select(c => c.Name))}");
            return 2;
        }

        var jobs = options.Jobs ?? 200;
        var rounds = Math.Max(1, options.Rounds);
        var schedule = Enumerable.Range(1, rounds)
            .SelectMany(round => (round % 2 == 1 ? configurations : configurations.Reverse()).Select(c => (Configuration: c, Round: round)))
            .ToList();
        BenchmarkContext.Progress($"{schedule.Count} bursts of {jobs} under {HostedFolders.DescribeHost()}, a fresh Azurite and host each");
        var runs = new List<BurstRun>();
        foreach (var (configuration, round) in schedule)
        {
            runs.Add(await RunOneAsync(configuration, round, rounds, jobs, options.WarmupRounds, ct));
        }

        report.Method = $"{rounds} round(s); per configuration a fresh Azurite and one Functions host, {options.WarmupRounds} warm-up instances at once, then {jobs} at once " +
                        "(every start call in flight together); the configurations run one after the other, in reverse order every other round";
        report.AddTable(RunTable(jobs, runs));
        report.AddTable(SummaryTable(runs, configurations, rounds));
        report.Note($"Host: {HostedFolders.DescribeHost()}; apps built from {HostedFolders.DescribeSource()}: {HostedFolders.App} and {HostedFolders.Bare}, both with the repository's host.json (Durable defaults for concurrency: " +
                    "the host's maxConcurrentActivityFunctions and maxConcurrentOrchestratorFunctions are 10 x cores).");
        report.Note($"Jobs execute a function task of the shipped sample '{JobSide.Function}' (no I/O); the bare app's POST /api/bare/start schedules an orchestration that calls one no-op activity. " +
                    "Every job must end completed with an artifact, every bare instance Completed, or the run fails.");
        report.Note("jobs/s = instances / (the end - the first start call sent); the end is, for jobs, the last record's finished_at (what a client polling the job sees as completed) " +
                    "and, for the bare app, the last instance's CompletedTime in the instance table; 'orchestrations/s' uses the last CompletedTime for both. " +
                    "The end is read from the records and the instance table afterwards, not from polling; the harness scans the instance table every 500 ms to know when the burst is over.");
        report.Note("most running = the most jobs whose [started_at, finished_at] overlap; mean running = sum of run times / makespan; wait = submitted_at -> started_at. " +
                    "requests/job: every request Azurite answered from the first start call to the last end, over the jobs (the harness's instance-table scans every 500 ms included, alike on every side); " +
                    "episodes/job: OrchestratorStarted events in each job's (or bare instance's) own history; wakers: PermitWaker instances the gate started (their episodes and the entity's batches are not in episodes/job). " +
                    "A limit set with PUT /api/v1/concurrency changes the gate, not the app setting FuncTasks__Concurrency__Limit (5) that PermitRequestPlanner compares a burst with, so in a burst most jobs still ask by signal.");
        return 0;
    }

    private static async Task<BurstRun> RunOneAsync(Configuration configuration, int round, int rounds, int jobs, int warmup, CancellationToken ct)
    {
        var label = rounds > 1 ? $"{configuration.Label} #{round}" : configuration.Label;
        BenchmarkContext.Progress($"{label}: starting a fresh Azurite and the host");
        var settings = HostedFolders.Settings(configuration.Bare ? "bare" : "app", configuration.Settings);
        var requests = new StorageRequestLog();
        await using var azurite = await AzuriteServer.StartAsync(requests.Take);
        await using HostedSide side = configuration.Bare
            ? await BareSide.StartAsync(configuration.Label, settings, azurite)
            : await JobSide.StartAsync(configuration.Label, settings, azurite, ct);
        if (configuration.Limit is { } limit)
        {
            await ((JobSide)side).SetLimitAsync(limit, ct);
        }

        var instances = new InstanceTable(side.App.StorageConnectionString, side.App.TaskHub);
        BenchmarkContext.Progress($"{label}: warming up with {warmup} at once");
        var warm = await Task.WhenAll(Enumerable.Range(0, warmup).Select(_ => side.StartAsync(ct)));
        await WaitAllCompletedAsync(side, instances, warm.Select(c => c.Id).ToHashSet(StringComparer.Ordinal), ct);
        await Task.Delay(TimeSpan.FromSeconds(1), ct);

        BenchmarkContext.Progress($"{label}: {jobs} at once");
        var sent = DateTimeOffset.UtcNow;
        var calls = await Task.WhenAll(Enumerable.Range(0, jobs).Select(_ => side.StartAsync(ct)));
        BenchmarkContext.Progress($"{label}: all {jobs} accepted in {(calls.Max(c => c.Accepted) - sent).TotalSeconds:0.0} s");
        var ids = calls.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        var rows = await WaitAllCompletedAsync(side, instances, ids, ct);
        var load = MachineInfo.LoadAverage();

        IReadOnlyList<JobRecord> records = [];
        if (side is JobSide jobSide)
        {
            records = [.. (await jobSide.ListJobsAsync(ct)).Where(r => ids.Contains(r.Id))];
            var bad = records.Where(r => r.Status != "completed" || r.ArtifactId is null || r.StartedAt is null || r.FinishedAt is null).ToList();
            if (records.Count != jobs || bad.Count > 0)
            {
                throw new InvalidOperationException($"{label}: {records.Count} of {jobs} jobs listed, {bad.Count} not completed with an artifact{(bad.Count > 0 ? $", e.g. {bad[0]}" : string.Empty)}");
            }
        }

        // What the burst cost: every storage request Azurite answered from the first call to the last end (the harness's
        // own scans of the instance table included, alike on every side), and each job's own orchestration episodes.
        var lastEnd = records.Count > 0 ? records.Max(r => r.FinishedAt!.Value) : rows.Values.Max(r => r.CompletedTime!.Value);
        var requestsPerJob = requests.Count(sent, lastEnd) / (double)jobs;
        var history = new Durable.DurableHistory(side.App.StorageConnectionString, side.App.TaskHub);
        var episodes = new List<int>();
        foreach (var chunk in ids.Chunk(16))
        {
            episodes.AddRange(await Task.WhenAll(chunk.Select(async id => (await history.ReadAsync(id, ct)).Count(e => e.EventType == "OrchestratorStarted"))));
        }

        var wakers = (await instances.ReadAsync(ct)).Keys.Count(id => id.StartsWith(FuncTasks.Gate.PermitWaker.InstanceIdPrefix, StringComparison.Ordinal));
        var run = new BurstRun(configuration, round, label, jobs, sent, calls.Min(c => c.Accepted), calls.Max(c => c.Accepted),
            rows.Values.Max(r => r.CompletedTime!.Value), records, load, requestsPerJob, episodes.Average(), wakers);
        BenchmarkContext.Progress($"{label}: {run.JobsPerSecond:0.0} jobs/s ({jobs} in {run.Makespan.TotalSeconds:0.0} s){(records.Count > 0 ? $", at most {run.MostRunning} running at once" : string.Empty)}");
        return run;
    }

    /// <summary>Scans the instance table until every one of <paramref name="ids"/> is Completed; their rows. Another end throws.</summary>
    private static async Task<Dictionary<string, InstanceRow>> WaitAllCompletedAsync(HostedSide side, InstanceTable instances, HashSet<string> ids, CancellationToken ct)
    {
        var limit = DateTimeOffset.UtcNow + TimeSpan.FromMinutes(10);
        while (true)
        {
            var all = await instances.ReadAsync(ct);
            var mine = ids.Select(id => all.GetValueOrDefault(id)).ToList();
            if (mine.FirstOrDefault(r => r?.RuntimeStatus is "Failed" or "Terminated" or "Canceled") is { } bad)
            {
                throw new InvalidOperationException($"{side.Label}: instance {bad.Id} ended {bad.RuntimeStatus}\n--- host log ---\n{side.Host.Tail(30)}");
            }

            if (mine.All(r => r is { RuntimeStatus: "Completed", CompletedTime: not null }))
            {
                return mine.ToDictionary(r => r!.Id, r => r!, StringComparer.Ordinal);
            }

            if (DateTimeOffset.UtcNow > limit)
            {
                throw new TimeoutException($"{side.Label}: {mine.Count(r => r is not { RuntimeStatus: "Completed" })} of {ids.Count} instances not completed after 10 min");
            }

            await Task.Delay(EndPoll, ct);
        }
    }

    private static ReportTable RunTable(int jobs, List<BurstRun> runs)
    {
        var table = new ReportTable($"{jobs} instances started at once, per configuration and round (a fresh Azurite and host each), in the order they ran",
            "configuration", "jobs/s", "orchestrations/s", "makespan", "first 202", "all accepted", "most running", "mean running", "wait p50", "wait p95",
            "requests/job", "episodes/job", "wakers", "load avg after");
        foreach (var run in runs)
        {
            var waits = Statistics.Sorted(run.Records.Select(r => (r.StartedAt!.Value - r.SubmittedAt).TotalMilliseconds));
            table.Row(
                run.Label,
                F(run.JobsPerSecond, 1),
                F(run.OrchestrationsPerSecond, 1),
                $"{F(run.Makespan.TotalSeconds, 1)} s",
                $"{F((run.FirstAccepted - run.Sent).TotalSeconds, 2)} s",
                $"{F((run.LastAccepted - run.Sent).TotalSeconds, 1)} s",
                run.Records.Count == 0 ? "-" : run.MostRunning.ToString(CultureInfo.InvariantCulture),
                run.Records.Count == 0 ? "-" : F(run.MeanRunning, 2),
                waits.Length == 0 ? "-" : $"{F(Statistics.Quantile(waits, 0.5) / 1000, 1)} s",
                waits.Length == 0 ? "-" : $"{F(Statistics.Quantile(waits, 0.95) / 1000, 1)} s",
                F(run.RequestsPerJob, 1),
                F(run.EpisodesPerJob, 2),
                run.Wakers.ToString(CultureInfo.InvariantCulture),
                run.Load.Split(' ')[0]);
        }

        return table;
    }

    /// <summary>Per configuration: the median over the rounds, and the median of each round's ratio to that round's bare burst.</summary>
    private static ReportTable SummaryTable(List<BurstRun> runs, Configuration[] configurations, int rounds)
    {
        var table = new ReportTable($"Summary over {rounds} round(s): medians; ratios are each round's against the same round's bare burst (and gate off), then their median",
            "configuration", "jobs/s", "orchestrations/s", "vs bare", "vs bare, per round", "vs gate off");
        foreach (var configuration in configurations)
        {
            var mine = runs.Where(r => r.Configuration == configuration).ToList();
            var vsBare = Ratios(mine, runs, "bare");
            var vsOff = Ratios(mine, runs, "off");
            table.Row(
                configuration.Label,
                F(Statistics.Median(mine.Select(r => r.JobsPerSecond)), 1),
                F(Statistics.Median(mine.Select(r => r.OrchestrationsPerSecond)), 1),
                vsBare.Count == 0 ? "-" : F(Statistics.Median(vsBare), 3),
                vsBare.Count == 0 ? "-" : string.Join(", ", vsBare.Select(v => F(v, 2))),
                vsOff.Count == 0 ? "-" : F(Statistics.Median(vsOff), 3));
        }

        return table;

        static List<double> Ratios(List<BurstRun> mine, List<BurstRun> all, string baseline) =>
        [
            .. mine.Select(r => (Run: r, Base: all.FirstOrDefault(b => b.Configuration.Name == baseline && b.Round == r.Round)))
                .Where(p => p.Base is not null)
                .Select(p => p.Run.JobsPerSecond / p.Base!.JobsPerSecond),
        ];
    }

    private static string F(double value, int decimals) => value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    private sealed record Configuration(string Name, string Label, bool Bare, int? Limit, IReadOnlyDictionary<string, string> Settings);

    /// <summary>One burst: when it was sent and accepted, its last orchestration's end, and (jobs) the records.</summary>
    private sealed record BurstRun(
        Configuration Configuration,
        int Round,
        string Label,
        int Jobs,
        DateTimeOffset Sent,
        DateTimeOffset FirstAccepted,
        DateTimeOffset LastAccepted,
        DateTimeOffset LastOrchestrationCompleted,
        IReadOnlyList<JobRecord> Records,
        string Load,
        double RequestsPerJob,
        double EpisodesPerJob,
        int Wakers)
    {
        /// <summary>The end a client sees: the last record's finished_at for jobs, the last orchestration's end for the bare app.</summary>
        public DateTimeOffset End => Records.Count > 0 ? Records.Max(r => r.FinishedAt!.Value) : LastOrchestrationCompleted;

        public TimeSpan Makespan => End - Sent;

        public double JobsPerSecond => Jobs / Makespan.TotalSeconds;

        public double OrchestrationsPerSecond => Jobs / (LastOrchestrationCompleted - Sent).TotalSeconds;

        public int MostRunning => JobRecords.PeakRunning(Records);

        public double MeanRunning => Records.Sum(r => (r.FinishedAt!.Value - r.StartedAt!.Value).TotalSeconds) / Makespan.TotalSeconds;
    }
}
