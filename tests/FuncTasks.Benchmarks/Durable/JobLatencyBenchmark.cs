using System.Globalization;
using FuncTasks.Benchmarks.Harness;
using FuncTasks.Testing;

namespace FuncTasks.Benchmarks.Durable;

/// <summary>
/// <c>job-latency</c>: <c>$execute</c> of a no-op function task to the job's orchestration completing, one job at a
/// time, beside a bare orchestration (one no-op activity) on the same engine and Azurite; with the gate on and
/// off, the three interleaved round by round. Then where the time goes: the orchestration histories and job
/// records of the measured rounds, and a short traced pass that records every storage request.
/// </summary>
internal sealed class JobLatencyBenchmark : IBenchmarkCommand
{
    /// <summary>The issue's target: a job costs at most 1.5x the bare orchestration (ratio of medians).</summary>
    public const double TargetRatio = 1.5;

    public const string Bare = "bare orchestration";
    public const string GateOn = "job, gate on";
    public const string GateOff = "job, gate off";

    public string Name => "job-latency";

    public string Summary => "$execute -> completed, no-op function job (gate on / off) vs a bare orchestration + no-op activity, durable engine on Azurite";

    public BenchmarkOptions Defaults => new() { WarmupRounds = 10, Rounds = 200, AllocationCalls = 0 };

    public BenchmarkOptions QuickDefaults => new() { WarmupRounds = 5, Rounds = 40, AllocationCalls = 0 };

    public string DefaultsSummary => "full: 10 warm-up + 200 rounds of 3 sides + 30 traced rounds, about 2 min; --quick: 5 + 40 + 10, about 35 s";

    public async Task<int> RunAsync(BenchmarkContext context)
    {
        var (options, report, ct) = (context.Options, context.Report, context.CancellationToken);
        var activities = options.Activities ?? 10;
        var tracedRounds = options.Quick ? 10 : 30;

        BenchmarkContext.Progress("starting Azurite (in memory, free ports)");
        await using var azurite = await AzuriteServer.StartAsync();
        await using var on = await BenchApp.StartAsync("gate on", azurite.ConnectionString, new Dictionary<string, string?>(), activities);
        await using var off = await BenchApp.StartAsync("gate off", azurite.ConnectionString,
            new Dictionary<string, string?> { ["FuncTasks:Concurrency:Enabled"] = "false" }, activities);
        BenchmarkContext.Progress("starting the bare orchestration's host (a second DurableTestHost: own task hub, same options)");
        await using var bareHost = await BareOrchestrator.StartHostAsync(azurite.ConnectionString, on.App.Services, activities);

        var onTask = await on.CreateFunctionTaskAsync(BenchApp.Noop, null, ct);
        var offTask = await off.CreateFunctionTaskAsync(BenchApp.Noop, null, ct);

        var marks = new Dictionary<string, List<CallMark>> { [Bare] = [], [GateOn] = [], [GateOff] = [] };
        Operation[] sides =
        [
            new(Bare, async (_, token) =>
            {
                var t0 = DateTimeOffset.UtcNow;
                var id = await bareHost.Client.ScheduleNewOrchestrationInstanceAsync(BareOrchestrator.Name, "x", token);
                var t1 = DateTimeOffset.UtcNow;
                await BenchApp.WaitAsync(bareHost.Client, id, Bare, token);
                marks[Bare].Add(new CallMark(id, t0, t1, DateTimeOffset.UtcNow));
            }),
            JobSide(GateOn, on, onTask, marks[GateOn]),
            JobSide(GateOff, off, offTask, marks[GateOff]),
        ];

        var result = await InterleavedRunner.RunAsync(Name, sides, options.WarmupRounds, options.Rounds, 0, ct);
        report.Method = $"{options.WarmupRounds} warm-up + {options.Rounds} measured rounds; each round runs one call of each side, one at a time, " +
                        "in an order that rotates through all 6 permutations; then a separate traced pass";
        report.Add(result.Compare("gate on / bare", "job with the gate on vs a bare orchestration + activity", Bare, GateOn, TargetRatio));
        report.Add(result.Compare("gate off / bare", "job with the gate off vs a bare orchestration + activity", Bare, GateOff, TargetRatio));
        report.Add(result.Compare("gate on / gate off", "the gate's own cost per job", GateOff, GateOn, double.NaN));

        var measured = marks.ToDictionary(m => m.Key, m => m.Value.Skip(options.WarmupRounds).Take(options.Rounds).ToList());
        BenchmarkContext.Progress("checking every measured job's record (completed, with an artifact) and reading the histories");
        var records = new Dictionary<string, Dictionary<string, JobRecord>>
        {
            [GateOn] = await on.ConfirmCompletedAsync([.. measured[GateOn].Select(m => m.Id)], ct),
            [GateOff] = await off.ConfirmCompletedAsync([.. measured[GateOff].Select(m => m.Id)], ct),
        };
        var hubs = new Dictionary<string, DurableHistory>
        {
            [Bare] = new(azurite.ConnectionString, bareHost.TaskHubName),
            [GateOn] = new(azurite.ConnectionString, on.TaskHub),
            [GateOff] = new(azurite.ConnectionString, off.TaskHub),
        };
        var timelines = await TimelinesAsync(measured, records, hubs, ct);
        report.AddTable(BreakdownTable($"Where the time goes: medians (p95) over the {options.Rounds} measured rounds, in ms, from the client's clock, the orchestration histories and the job records", timelines));
        report.AddTable(new ReportTable("Orchestration episodes per call (median)", "side", "episodes")
            .Row(Bare, Median(timelines[Bare].Select(t => (double)t.Episodes)).ToString("0", CultureInfo.InvariantCulture))
            .Row(GateOn, Median(timelines[GateOn].Select(t => (double)t.Episodes)).ToString("0", CultureInfo.InvariantCulture))
            .Row(GateOff, Median(timelines[GateOff].Select(t => (double)t.Episodes)).ToString("0", CultureInfo.InvariantCulture)));

        // The traced pass: the same rounds with every storage request recorded, so the phases above can be split into requests.
        var before = marks.ToDictionary(m => m.Key, m => m.Value.Count);
        InterleavedResult traced;
        IReadOnlyCollection<StorageRequest> requests;
        using (var trace = new HttpTrace(azurite.BlobPort, azurite.QueuePort, azurite.TablePort))
        {
            traced = await InterleavedRunner.RunAsync($"{Name} (traced)", sides, 0, tracedRounds, 0, ct);
            requests = trace.Requests;
        }

        var tracedMarks = marks.ToDictionary(m => m.Key, m => m.Value.Skip(before[m.Key]).ToList());
        var tracedRecords = new Dictionary<string, Dictionary<string, JobRecord>>
        {
            [GateOn] = await on.ConfirmCompletedAsync([.. tracedMarks[GateOn].Select(m => m.Id)], ct),
            [GateOff] = await off.ConfirmCompletedAsync([.. tracedMarks[GateOff].Select(m => m.Id)], ct),
        };
        var tracedTimelines = await TimelinesAsync(tracedMarks, tracedRecords, hubs, ct);
        report.AddTable(BreakdownTable($"The same for the {tracedRounds} traced rounds (every storage request recorded), ms", tracedTimelines));
        var owners = new Dictionary<string, (string Prefix, string Hub)>
        {
            [Bare] = (string.Empty, bareHost.TaskHubName),
            [GateOn] = (on.App.Prefix, on.TaskHub),
            [GateOff] = (off.App.Prefix, off.TaskHub),
        };
        report.AddTable(RequestTable(tracedRounds, tracedMarks, requests, owners));
        report.AddTable(ActivityRequestTable(tracedRounds, tracedMarks, requests, owners));

        report.Note($"Sides: '{GateOn}' and '{GateOff}' are the app (FuncTasksTestApp: HTTP functions in-process + DurableTask.Core TaskHubWorker on the Azure Storage backend), " +
                    $"each with tables and a task hub of its own, running the registered task function '{BenchApp.Noop}' (returns {{\"ok\": true}}). " +
                    $"'{Bare}' is BenchBareOrchestrator calling one no-op activity, on a second DurableTestHost in the same process and Azurite (FuncTasksTestApp has no hook to add registrations to its host), own task hub, same options.");
        report.Note($"Engine settings (all three hosts, the test host's defaults): MaxQueuePollingInterval 100 ms, 4 partitions, MaxConcurrentActivities {activities}, client polling 25 ms, control-queue visibility 10 s, entity work items on their own queue. Gate limit 5 (the default); one job at a time, so a permit is always free.");
        report.Note("Timing: a job is timed from the POST $execute to WaitForInstanceCompletionAsync seeing its orchestration Completed; a bare one from ScheduleNewOrchestrationInstanceAsync to the same. Each job's record is checked afterwards (completed, artifact), outside the timing.");
        report.Note($"Traced pass: {tracedRounds} more rounds with an ActivityListener on System.Net.Http recording every storage request; its medians are {Ms(traced.Side(Bare).Median)} / {Ms(traced.Side(GateOn).Median)} / {Ms(traced.Side(GateOff).Median)} (bare / gate on / gate off), not used for the ratios.");
        BenchmarkContext.Progress("stopping the hosts and Azurite");
        return 0;
    }

    private static Operation JobSide(string name, BenchApp app, string taskId, List<CallMark> marks) =>
        new(name, async (_, token) =>
        {
            var t0 = DateTimeOffset.UtcNow;
            var id = await app.ExecuteAsync(taskId, "{}", token);
            var t1 = DateTimeOffset.UtcNow;
            await app.WaitForOrchestrationAsync(id, token);
            marks.Add(new CallMark(id, t0, t1, DateTimeOffset.UtcNow));
        });

    private static async Task<Dictionary<string, List<JobTimeline>>> TimelinesAsync(
        Dictionary<string, List<CallMark>> marks,
        Dictionary<string, Dictionary<string, JobRecord>> records,
        Dictionary<string, DurableHistory> hubs,
        CancellationToken ct)
    {
        var timelines = new Dictionary<string, List<JobTimeline>>();
        foreach (var (side, list) in marks)
        {
            var rows = new List<JobTimeline>();
            foreach (var chunk in list.Chunk(16))
            {
                var histories = await Task.WhenAll(chunk.Select(m => hubs[side].ReadAsync(m.Id, ct)));
                rows.AddRange(chunk.Select((m, i) => JobTimeline.From(m, histories[i], records.TryGetValue(side, out var r) ? r[m.Id] : null)));
            }

            timelines[side] = rows;
        }

        return timelines;
    }

    private static ReportTable BreakdownTable(string title, Dictionary<string, List<JobTimeline>> timelines)
    {
        var table = new ReportTable(title, "phase", Bare, GateOn, GateOff);
        foreach (var (label, value) in JobTimeline.Phases)
        {
            table.Row(label, Cell(timelines[Bare], value), Cell(timelines[GateOn], value), Cell(timelines[GateOff], value));
        }

        return table;

        static string Cell(List<JobTimeline> rows, Func<JobTimeline, double?> value)
        {
            var values = rows.Select(value).Where(v => v.HasValue).Select(v => v!.Value).ToArray();
            if (values.Length == 0)
            {
                return "-";
            }

            var sorted = Statistics.Sorted(values);
            return $"{Statistics.Quantile(sorted, 0.5):0.0} ({Statistics.Quantile(sorted, 0.95):0.0})";
        }
    }

    /// <summary>Storage requests per call, by what they touched: the app's tables and container, or the durable backend's queues and tables.</summary>
    private static ReportTable RequestTable(
        int rounds,
        Dictionary<string, List<CallMark>> marks,
        IReadOnlyCollection<StorageRequest> requests,
        Dictionary<string, (string Prefix, string Hub)> owners)
    {
        var table = new ReportTable(
            $"Storage requests made during each call (its own tables, container, queues), traced pass ({rounds} rounds): per call (median count), ms per request (median), ms per call (median of the sums); kinds seen in fewer than half the calls are left out",
            "side", "request", "per call", "ms each", "ms per call");
        foreach (var (side, list) in marks)
        {
            var perCall = list.Select(m => requests.Where(r => r.Start >= m.Sent && r.Start < m.Observed && Owns(owners[side], r)).ToList()).ToList();
            var classes = perCall.SelectMany(c => c).Select(r => Classify(owners[side], r)).Distinct().Order(StringComparer.Ordinal);
            foreach (var name in classes)
            {
                var counts = perCall.Select(c => (double)c.Count(r => Classify(owners[side], r) == name)).ToArray();
                if (Median(counts) == 0)
                {
                    continue;
                }

                var each = perCall.SelectMany(c => c).Where(r => Classify(owners[side], r) == name).Select(r => r.Milliseconds).ToArray();
                var sums = perCall.Select(c => c.Where(r => Classify(owners[side], r) == name).Sum(r => r.Milliseconds)).ToArray();
                table.Row(side, name, F1(Median(counts)), F1(Median(each)), F1(Median(sums)));
            }

            var all = perCall.Select(c => (double)c.Count).ToArray();
            table.Row(side, "all requests", F1(Median(all)), "-", F1(Median(perCall.Select(c => c.Sum(r => r.Milliseconds)))));
        }

        return table;
    }

    /// <summary>The app's own storage requests inside the job's activity, in order: mark running, artifact, finish.</summary>
    private static ReportTable ActivityRequestTable(
        int rounds,
        Dictionary<string, List<CallMark>> marks,
        IReadOnlyCollection<StorageRequest> requests,
        Dictionary<string, (string Prefix, string Hub)> owners)
    {
        string[] steps =
        [
            "mark running: read the record", "mark running: write the record", "artifact: upload the blob", "artifact: insert the index row",
            "finish: read the record", "finish: write the record",
        ];
        var table = new ReportTable(
            $"The activity's own storage requests (RunJob), traced pass ({rounds} rounds), ms: median (p95)",
            "step", GateOn, GateOff);
        var cells = new Dictionary<string, List<double>[]>();
        foreach (var side in new[] { GateOn, GateOff })
        {
            var perStep = steps.Select(_ => new List<double>()).ToArray();
            var sums = new List<double>();
            var (prefix, _) = owners[side];
            foreach (var mark in marks[side])
            {
                // From the $execute response on: the app's own requests after it are the activity's (one job at a time).
                var own = requests.Where(r => r.Start >= mark.Accepted && r.Start < mark.Observed && r.Resource.StartsWith(prefix, StringComparison.Ordinal))
                    .OrderBy(r => r.Start).ToList();
                if (own.Count != steps.Length)
                {
                    continue;
                }

                for (var i = 0; i < steps.Length; i++)
                {
                    perStep[i].Add(own[i].Milliseconds);
                }

                sums.Add(own.Sum(r => r.Milliseconds));
            }

            cells[side] = [.. perStep, sums];
        }

        for (var i = 0; i <= steps.Length; i++)
        {
            table.Row(i < steps.Length ? steps[i] : "sum of the six", Cell(cells[GateOn][i]), Cell(cells[GateOff][i]));
        }

        table.Row("calls with exactly these six requests", cells[GateOn][^1].Count.ToString(CultureInfo.InvariantCulture), cells[GateOff][^1].Count.ToString(CultureInfo.InvariantCulture));
        return table;

        static string Cell(List<double> values) => values.Count == 0
            ? "-"
            : $"{Statistics.Quantile(Statistics.Sorted(values), 0.5):0.0} ({Statistics.Quantile(Statistics.Sorted(values), 0.95):0.0})";
    }

    private static bool Owns((string Prefix, string Hub) owner, StorageRequest request) =>
        (owner.Prefix.Length > 0 && request.Resource.StartsWith(owner.Prefix, StringComparison.Ordinal))
        || request.Resource.StartsWith(owner.Hub, StringComparison.OrdinalIgnoreCase);

    private static string Classify((string Prefix, string Hub) owner, StorageRequest request)
    {
        if (owner.Prefix.Length > 0 && request.Resource.StartsWith(owner.Prefix, StringComparison.Ordinal))
        {
            var name = request.Resource[owner.Prefix.Length..];
            return request.Service == "blob" ? $"app blob container{name}: {request.Kind}" : $"app table {name}: {request.Kind}";
        }

        var rest = request.Resource[owner.Hub.Length..].TrimStart('-');
        var what = rest.StartsWith("control", StringComparison.OrdinalIgnoreCase) ? "control queues"
            : rest.StartsWith("workitems", StringComparison.OrdinalIgnoreCase) ? "work-item queue"
            : rest.Length == 0 ? "hub" : rest;
        return $"durable {request.Service} {what}: {request.Kind}";
    }

    private static double Median(IEnumerable<double> values) => Statistics.Median(values);

    private static string F1(double value) => double.IsNaN(value) ? "-" : value.ToString("0.0", CultureInfo.InvariantCulture);

    private static string Ms(double value) => value.ToString("0.0", CultureInfo.InvariantCulture) + " ms";
}
