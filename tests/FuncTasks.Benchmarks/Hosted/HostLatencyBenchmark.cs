using System.Globalization;
using FuncTasks.Benchmarks.Durable;
using FuncTasks.Benchmarks.Harness;
using FuncTasks.Testing;

namespace FuncTasks.Benchmarks.Hosted;

/// <summary>
/// <c>host-latency</c>: under a real Functions host, one no-op job at a time from <c>$execute</c> to its record saying
/// <c>completed</c>, with the gate on and off, beside a bare Durable app (HTTP starter, orchestration, one no-op
/// activity, the same host.json) from its start call to its status saying Completed. The three apps run on one
/// Azurite at once, each with its own task hub, tables and host id; only one has work at any moment, and the order of
/// the three rotates through all 6 permutations round by round. Then where the time goes, from the histories.
/// </summary>
internal sealed class HostLatencyBenchmark : IBenchmarkCommand
{
    /// <summary>Issue 14's targets (ratio of medians): a job costs at most 1.5x the bare orchestration with the gate on, 1.2x with it off.</summary>
    public const double GateOnTarget = 1.5;
    public const double GateOffTarget = 1.2;

    public const string Bare = "bare orchestration";
    public const string GateOn = "job, gate on";
    public const string GateOff = "job, gate off";

    public string Name => "host-latency";

    public string Summary => "$execute -> completed under a real Functions host, no-op job (gate on / off) vs a bare Durable app, one at a time";

    public BenchmarkOptions Defaults => new() { WarmupRounds = 10, Rounds = 100, AllocationCalls = 0, PollMilliseconds = 25 };

    public BenchmarkOptions QuickDefaults => new() { WarmupRounds = 3, Rounds = 20, AllocationCalls = 0, PollMilliseconds = 25 };

    public string DefaultsSummary => "full: 10 warm-up + 100 rounds of 3 sides, client polling every 25 ms, about 2 min; --quick: 3 + 20, about 1 min";

    public async Task<int> RunAsync(BenchmarkContext context)
    {
        var (options, report, ct) = (context.Options, context.Report, context.CancellationToken);
        if (HostedFolders.MissingHost() is { } missing)
        {
            Console.Error.WriteLine($"{Name}: not run: {missing}");
            return 3;
        }

        var poll = TimeSpan.FromMilliseconds(options.PollMilliseconds ?? 25);
        BenchmarkContext.Progress($"starting Azurite (in memory, free ports) and three apps under {HostedFolders.DescribeHost()}");
        var requests = new StorageRequestLog();
        await using var azurite = await AzuriteServer.StartAsync(requests.Take);
        await using var bare = await BareSide.StartAsync(Bare, HostedFolders.Settings("bare"), azurite);
        BenchmarkContext.Progress($"{Bare}: host up (PID {bare.Host.ProcessId}, {bare.Host.BaseAddress})");
        await using var on = await JobSide.StartAsync(GateOn, HostedFolders.Settings("gateon"), azurite, ct);
        BenchmarkContext.Progress($"{GateOn}: host up (PID {on.Host.ProcessId}, {on.Host.BaseAddress})");
        await using var off = await JobSide.StartAsync(GateOff, HostedFolders.Settings("gateoff", new Dictionary<string, string> { ["FuncTasks__Concurrency__Enabled"] = "false" }), azurite, ct);
        BenchmarkContext.Progress($"{GateOff}: host up (PID {off.Host.ProcessId}, {off.Host.BaseAddress})");

        HostedSide[] apps = [bare, on, off];
        string[][] appNames = [.. apps.Select(a => new[] { a.App.Settings["FuncTasks__Storage__TablePrefix"], a.App.Settings["AzureFunctionsWebHost__hostid"] })];
        requests.Fold([.. appNames.SelectMany(n => n).Concat(apps.Select(a => a.App.TaskHub))]);
        var calls = apps.Select(_ => new List<HostCall>()).ToArray();
        var pending = new HostCall?[apps.Length];
        var sides = apps.Select((app, i) => new Operation(app.Label, async (_, token) =>
        {
            var started = await app.StartAsync(token);
            var last = await app.WaitCompletedAsync(started.Id, poll, token);
            pending[i] = new HostCall(started, DateTimeOffset.UtcNow, last);
        })).ToArray();

        // Outside the timing: a job's record says completed one episode before its orchestration ends (and, gate on, before
        // the gate applies the release). Let that finish, so the next side starts on an idle machine, and note when the
        // client saw the orchestration end.
        async Task AfterCall(int i, CancellationToken token)
        {
            var call = pending[i]!;
            if (apps[i] is JobSide job)
            {
                await job.WaitOrchestrationCompletedAsync(call.Started, poll, token);
                call = call with { OrchestrationSeen = DateTimeOffset.UtcNow };
                if (job.GateEnabled)
                {
                    await job.WaitGateIdleAsync(poll, token);
                }
            }

            calls[i].Add(call);
        }

        // What each process costs while idle (the others' load on a side's calls), then over the measured rounds.
        var azuritePid = Durable.Watchdog.FindAzurite(azurite.TablePort);
        var pids = apps.Select(a => a.Host.ProcessId).Concat(azuritePid is { } z ? [z] : []).Append(Environment.ProcessId).ToArray();
        // A host's tree holds its worker; the harness's own process alone (its tree holds the hosts and Azurite).
        double Cpu(int pid) => pid == Environment.ProcessId ? ProcessCpu.Seconds(pid) : ProcessCpu.TreeSeconds(pid);
        var idleWindow = TimeSpan.FromSeconds(options.Quick ? 5 : 10);
        BenchmarkContext.Progress($"measuring idle CPU for {idleWindow.TotalSeconds:0} s");
        await Task.Delay(TimeSpan.FromSeconds(3), ct);
        var idleBefore = pids.Select(Cpu).ToArray();
        await Task.Delay(idleWindow, ct);
        var idle = pids.Select((pid, i) => (Cpu(pid) - idleBefore[i]) / idleWindow.TotalSeconds).ToArray();

        double[]? measuringFrom = null;
        var roundsDone = 0;
        Task MarkMeasuringStart(CancellationToken token)
        {
            if (++roundsDone == options.WarmupRounds)
            {
                measuringFrom = [.. pids.Select(Cpu)];
            }

            return Task.CompletedTask;
        }

        if (options.WarmupRounds == 0)
        {
            measuringFrom = [.. pids.Select(Cpu)];
        }

        var result = await InterleavedRunner.RunAsync(Name, sides, options.WarmupRounds, options.Rounds, 0, ct, settle: MarkMeasuringStart, afterCall: AfterCall);
        var measuredCpu = pids.Select((pid, i) => Cpu(pid) - measuringFrom![i]).ToArray();
        report.Method = $"{options.WarmupRounds} warm-up + {options.Rounds} measured rounds; each round runs one call of each side, one at a time, " +
                        "in an order that rotates through all 6 permutations; every app under its own Functions host, all three on one Azurite";
        report.Add(result.Compare("gate on / bare", "job with the gate on vs a bare Durable app", Bare, GateOn, GateOnTarget));
        report.Add(result.Compare("gate off / bare", "job with the gate off vs a bare Durable app", Bare, GateOff, GateOffTarget));
        report.Add(result.Compare("gate on / gate off", "the gate's own cost per job", GateOff, GateOn, double.NaN));

        var measured = calls.Select(c => c.Skip(options.WarmupRounds).Take(options.Rounds).ToList()).ToArray();
        BenchmarkContext.Progress("reading the measured calls' orchestration histories");
        var timelines = new List<HostTimeline>[apps.Length];
        for (var i = 0; i < apps.Length; i++)
        {
            var history = new DurableHistory(azurite.ConnectionString, apps[i].App.TaskHub);
            timelines[i] = [];
            foreach (var chunk in measured[i].Chunk(16))
            {
                var rows = await Task.WhenAll(chunk.Select(c => history.ReadAsync(c.Started.Id, ct)));
                timelines[i].AddRange(chunk.Select((c, k) => HostTimeline.From(c, rows[k])));
            }
        }

        // Calls whose orchestration took more episodes than the side's usual number: how often, and one history to read.
        var episodes = new ReportTable("Orchestration episodes per call (count of calls)", "side", "episodes: calls");
        for (var i = 0; i < apps.Length; i++)
        {
            episodes.Row(apps[i].Label, string.Join(", ", timelines[i].GroupBy(t => t.Episodes).OrderBy(g => g.Key).Select(g => $"{g.Key}: {g.Count()}")));
            var usual = timelines[i].GroupBy(t => t.Episodes).MaxBy(g => g.Count())!.Key;
            var odd = timelines[i].FindIndex(t => t.Episodes != usual);
            foreach (var k in odd < 0 ? [0] : new[] { timelines[i].FindIndex(t => t.Episodes == usual), odd })
            {
                var call = measured[i][k];
                var rows = await new DurableHistory(azurite.ConnectionString, apps[i].App.TaskHub).ReadAsync(call.Started.Id, ct);
                report.Note($"{apps[i].Label}: history of a call with {timelines[i][k].Episodes} episodes ({timelines[i][k].Total:0} ms to the end seen), ms from the start call: " +
                            string.Join(", ", rows.Select(r => $"{r.EventType}{(r.Name is null ? string.Empty : $" {r.Name}")} {(r.Timestamp - call.Started.Sent).TotalMilliseconds:0}")));
            }
        }

        report.AddTable(episodes);
        var ends = new ReportTable("The end a client polls for against the orchestration's end, ms from the start call: median (p95)",
            "side", "client saw the end it polls for", "ExecutionCompleted (history)", "client saw the orchestration Completed", "episodes");
        for (var i = 0; i < apps.Length; i++)
        {
            var orchestrationSeen = measured[i].Select(c => ((c.OrchestrationSeen ?? c.Seen) - c.Started.Sent).TotalMilliseconds);
            ends.Row(
                apps[i].Label + (apps[i] is JobSide ? " (record completed)" : " (status Completed)"),
                Cell(timelines[i].Select(t => (double?)t.Total)),
                Cell(timelines[i].Select(t => (double?)t.ToExecutionCompleted)),
                Cell(orchestrationSeen.Select(v => (double?)v)),
                Statistics.Median(timelines[i].Select(t => (double)t.Episodes)).ToString("0", CultureInfo.InvariantCulture));
        }

        report.AddTable(ends);
        var breakdown = new ReportTable($"Where the time goes: medians (p95) over the {options.Rounds} measured rounds, ms, from the client's clock, the orchestration histories and the job records",
            "phase", Bare, GateOn, GateOff);
        foreach (var (label, value) in HostTimeline.Phases)
        {
            breakdown.Row(label, Cell(timelines[0].Select(value)), Cell(timelines[1].Select(value)), Cell(timelines[2].Select(value)));
        }

        report.AddTable(breakdown);

        // The storage requests of a call, from the start call to its orchestration's end (ExecutionCompleted), by kind: which
        // queue messages and writes each hop of the critical path costs. The client's polls (one read each) are included.
        var perSide = apps.Select((_, i) => requests.ByKind(
            [.. measured[i].Zip(timelines[i], (c, t) => (c.Started.Sent, c.Started.Sent.AddMilliseconds(t.ToExecutionCompleted)))], appNames[i])).ToArray();
        var kinds = perSide.SelectMany(k => k).GroupBy(k => k.Kind).OrderByDescending(g => g.Sum(k => k.Count)).Select(g => g.Key).ToList();
        var storage = new ReportTable($"Storage requests per call, start call -> ExecutionCompleted, by kind (mean over the {options.Rounds} measured calls; the app's own names folded to {{app}})",
            "request", Bare, GateOn, GateOff);
        foreach (var kind in kinds.Take(20))
        {
            storage.Row([kind, .. perSide.Select(side => F(side.Where(k => k.Kind == kind).Sum(k => k.Count) / (double)options.Rounds, 1))]);
        }

        storage.Row(["total", .. perSide.Select(side => F(side.Sum(k => k.Count) / (double)options.Rounds, 1))]);
        report.AddTable(storage);

        // The measured phase also holds the settle and the untimed tails; its length is close to the clock time of the rounds.
        var seconds = result.Elapsed.TotalSeconds;
        var cpu = new ReportTable($"CPU: idle ({idleWindow.TotalSeconds:0} s before the rounds, % of one core) and over the {options.Rounds} measured rounds ({seconds:0} s): CPU ms per round, and less the idle rate",
            "process", "idle", "per round", "per round less idle");
        var names = apps.Select(a => $"{a.Label}: host + worker").Concat(azuritePid is null ? [] : ["Azurite (shared)"]).Append("this harness (client)").ToArray();
        for (var i = 0; i < pids.Length; i++)
        {
            cpu.Row(names[i], $"{F(idle[i] * 100, 1)}%", F(measuredCpu[i] * 1000 / options.Rounds, 1), F((measuredCpu[i] - (idle[i] * seconds)) * 1000 / options.Rounds, 1));
        }

        report.AddTable(cpu);

        report.Note($"Host: {HostedFolders.DescribeHost()}; apps built from {HostedFolders.DescribeSource()}: {HostedFolders.App} and {HostedFolders.Bare}, each under its own host process (and worker), " +
                    "all three on one Azurite, each with its own task hub, tables and host id. Only the side being timed has work; the other two hosts idle-poll their queues meanwhile, which lands on every side alike.");
        report.Note($"Sides: '{GateOn}' and '{GateOff}' execute a function task of the shipped sample '{JobSide.Function}' (returns a greeting, no I/O; gate off: FuncTasks__Concurrency__Enabled=false); " +
                    $"'{Bare}' is tests/FuncTasks.Benchmarks.BareApp: POST /api/bare/start schedules an orchestration that calls one no-op activity. Both apps run the repository's host.json (maxQueuePollingInterval 1 s).");
        report.Note($"Timing: from the start call (POST $execute / POST bare/start) to the poll answer that shows the end a client waits for: the job's record `completed` with its artifact " +
                    $"(GET /api/v1/jobs/{{id}}: one table read) or the bare instance Completed (GET /api/bare/instances/{{id}}: one instance-table read through the Durable client); both clients poll every {poll.TotalMilliseconds:0} ms after the previous answer. " +
                    "After each job, outside the timing, the client waits for its orchestration to be Completed (Durable status URL) and, gate on, for the gate to show no permit in use.");
        BenchmarkContext.Progress("stopping the hosts and Azurite");
        return 0;
    }

    private static string F(double value, int decimals) => value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    private static string Cell(IEnumerable<double?> values)
    {
        var present = values.Where(v => v.HasValue).Select(v => v!.Value).ToArray();
        if (present.Length == 0)
        {
            return "-";
        }

        var sorted = Statistics.Sorted(present);
        return string.Create(CultureInfo.InvariantCulture, $"{Statistics.Quantile(sorted, 0.5):0.0} ({Statistics.Quantile(sorted, 0.95):0.0})");
    }
}
