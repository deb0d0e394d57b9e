using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using FuncTasks.Benchmarks.Harness;
using FuncTasks.Testing;

namespace FuncTasks.Benchmarks.Hosted;

/// <summary>
/// <c>schedule-idle</c>: under a real Functions host, what 1,000 enabled schedules firing every minute
/// (<c>0 * * * * *</c>, overlap <c>skip</c>, the no-op task <c>greet_user</c>) cost: storage requests per fire and the
/// CPU of the app between fires, against the same app with no schedule, which runs at the same time under its own host
/// on an Azurite of its own (so each Azurite's access log counts one app's requests). Three minute marks: the first with
/// the task disabled (each fire is the schedule's own work only: its driver wakes, reads, writes its state, starts no
/// job), the next two with it enabled (each fire also starts a job).
/// </summary>
internal sealed class ScheduleIdleBenchmark : IBenchmarkCommand
{
    /// <summary>The cycle of one minute mark M that is counted: [M - 3 s, M + 52 s); the harness reads the schedules after it.</summary>
    private static readonly TimeSpan CycleBefore = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan CycleAfter = TimeSpan.FromSeconds(52);

    /// <summary>A quiet stretch between fires is at least this long, and starts at least 3 s after the cycle's last fire or job.</summary>
    private static readonly TimeSpan ShortestQuiet = TimeSpan.FromSeconds(10);

    public const string WithSchedules = "app with the schedules";
    public const string WithoutSchedules = "same app, no schedule";

    public string Name => "schedule-idle";

    public string Summary => "1,000 schedules firing every minute under a real host: storage requests per fire, CPU between fires, vs the same app with none";

    public BenchmarkOptions Defaults => new() { Jobs = 1000, Rounds = 3, WarmupRounds = 0, AllocationCalls = 0 };

    public BenchmarkOptions QuickDefaults => new() { Jobs = 100, Rounds = 2, WarmupRounds = 0, AllocationCalls = 0 };

    public string DefaultsSummary => "full: 1000 schedules (--jobs N), 3 minute marks (--rounds N; the first with the task disabled), about 8 min where the machine keeps up; --quick: 100 schedules, 2 marks, about 4 min; --only sleeping: schedules that do not fire during the run, 60 s of them asleep";

    public async Task<int> RunAsync(BenchmarkContext context)
    {
        var (options, report, ct) = (context.Options, context.Report, context.CancellationToken);
        if (HostedFolders.MissingHost() is { } missing)
        {
            Console.Error.WriteLine($"{Name}: not run: {missing}");
            return 3;
        }

        var count = options.Jobs ?? 1000;
        var marks = Math.Max(2, options.Rounds);
        BenchmarkContext.Progress($"starting two Azurites (in memory, access log on) and two apps under {HostedFolders.DescribeHost()}");
        var logA = new StorageRequestLog();
        var logB = new StorageRequestLog();
        await using var azuriteA = await AzuriteServer.StartAsync(logA.Take);
        await using var azuriteB = await AzuriteServer.StartAsync(logB.Take);
        await using var a = await JobSide.StartAsync(WithSchedules, HostedFolders.Settings("idlea"), azuriteA, ct);
        BenchmarkContext.Progress($"{WithSchedules}: host up (PID {a.Host.ProcessId})");
        await using var b = await JobSide.StartAsync(WithoutSchedules, HostedFolders.Settings("idleb"), azuriteB, ct);
        BenchmarkContext.Progress($"{WithoutSchedules}: host up (PID {b.Host.ProcessId})");
        logA.Fold(a.App.TaskHub, a.App.Settings["FuncTasks__Storage__TablePrefix"], a.App.Settings["AzureFunctionsWebHost__hostid"]);
        logB.Fold(b.App.TaskHub, b.App.Settings["FuncTasks__Storage__TablePrefix"], b.App.Settings["AzureFunctionsWebHost__hostid"]);

        // CPU of both hosts (with their workers) and both Azurites, sampled every second from here on.
        int[] pids = [a.Host.ProcessId, b.Host.ProcessId, Durable.Watchdog.FindAzurite(azuriteA.TablePort) ?? 0, Durable.Watchdog.FindAzurite(azuriteB.TablePort) ?? 0];
        var samples = new ConcurrentQueue<(DateTimeOffset At, double[] Cpu)>();
        using var stopSampling = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var sampler = Task.Run(async () =>
        {
            using var tick = new PeriodicTimer(TimeSpan.FromSeconds(1));
            try
            {
                do
                {
                    samples.Enqueue((DateTimeOffset.UtcNow, [ProcessCpu.TreeSeconds(pids[0]), ProcessCpu.TreeSeconds(pids[1]), ProcessCpu.Seconds(pids[2]), ProcessCpu.Seconds(pids[3])]));
                }
                while (await tick.WaitForNextTickAsync(stopSampling.Token));
            }
            catch (OperationCanceledException)
            {
                // The run is over.
            }
        }, CancellationToken.None);

        // --only sleeping: schedules that do not fire during the run (next on 1 January), so the whole run is "between fires".
        var sleeping = options.Only.Contains("sleeping");
        var cron = sleeping ? "0 0 0 1 1 *" : "0 * * * * *";
        await a.SetTaskEnabledAsync(false, ct);
        BenchmarkContext.Progress($"creating {count} schedules '{cron}' (overlap skip) of a disabled task, 8 at a time");
        var creating = DateTimeOffset.UtcNow;
        var ids = new ConcurrentBag<string>();
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct }, async (i, token) =>
        {
            ids.Add(await a.CreateScheduleAsync(cron, "skip", token));
            if (ids.Count % 100 == 0)
            {
                BenchmarkContext.Progress($"{ids.Count} schedules");
            }
        });
        var created = DateTimeOffset.UtcNow;
        BenchmarkContext.Progress($"{count} schedules created in {(created - creating).TotalSeconds:0} s");

        if (sleeping)
        {
            await Sleeping(a, b, count, created - creating, cron, cpu: () => [.. samples], logA, logB, report, ct);
            await Task.Delay(TimeSpan.FromSeconds(1.5), ct);
            await stopSampling.CancelAsync();
            await sampler;
            return 0;
        }

        // The first minute mark at least 20 s away, so every driver has set its first timer.
        var first = NextMinute(created.AddSeconds(20));
        var cycles = new List<Cycle>();
        for (var m = 0; m < marks; m++)
        {
            var mark = first.AddMinutes(m);
            var withJobs = m > 0;
            BenchmarkContext.Progress($"minute mark {mark:HH:mm:ss} ({(withJobs ? "task enabled: each fire starts a job" : "task disabled: no job")})");
            await Until(mark + CycleAfter, ct);
            // Outside the counted cycle: read what the fires did, then set up the next mark.
            var schedules = await a.ListSchedulesAsync(ct);
            var jobs = withJobs ? await a.ListJobsAsync(ct) : [];
            cycles.Add(new Cycle(mark, withJobs, schedules, jobs));
            if (m == 0)
            {
                await a.SetTaskEnabledAsync(true, ct);
            }

            BenchmarkContext.Progress($"{mark:HH:mm:ss}: {schedules.Count(s => Fired(s, mark))} fired for it by {CycleAfter.TotalSeconds:0} s after; {jobs.Count} jobs in all");
        }

        await Task.Delay(TimeSpan.FromSeconds(1.5), ct); // a CPU sample after the last counted cycle
        await stopSampling.CancelAsync();
        await sampler;
        var cpu = samples.ToArray();

        var summary = new ReportTable($"Per minute mark: the counted cycle is [M - {CycleBefore.TotalSeconds:0} s, M + {CycleAfter.TotalSeconds:0} s); requests are each Azurite's access log lines; "
                                      + "per fire = (requests of the app with the schedules - those of the app with none, over the same cycle) / fires",
            "minute mark", "task", "fired by M+52 s (outcomes)", "fire lateness p50 / p95 / max", "last fire / last job done", "requests: with / without",
            "requests per fire", "quiet stretch", "CPU in it: with / without (host + worker)", "Azurite CPU: with / without", "requests/s in it: with / without");
        var kinds = new ReportTable("Storage requests per fire by kind (the app with the schedules over the cycle, less the same kind in the app with none, per fire; the 14 largest)",
            ["kind", .. cycles.Select(c => $"{c.Mark:HH:mm} ({(c.WithJobs ? "jobs" : "no job")})")]);
        var kindRows = new Dictionary<string, string[]>();
        for (var i = 0; i < cycles.Count; i++)
        {
            var c = cycles[i];
            var (from, to) = (c.Mark - CycleBefore, c.Mark + CycleAfter);
            var fired = c.Schedules.Where(s => Fired(s, c.Mark)).ToList();
            var outcomes = string.Join(", ", fired.GroupBy(s => s.GetProperty("last_fire").GetProperty("outcome").GetString()).Select(g => $"{g.Key} {g.Count()}"));
            var ofMark = c.Jobs.Where(j => j.Json.GetProperty("scheduled_for").ValueKind == JsonValueKind.String && j.Json.GetProperty("scheduled_for").GetDateTimeOffset() == c.Mark).ToList();
            // Lateness: the job's submitted_at when the fire started one, else the fire's fired_at (both stamped by the app).
            var lateness = c.WithJobs && ofMark.Count > 0
                ? ofMark.Select(j => (j.SubmittedAt - c.Mark).TotalMilliseconds).ToArray()
                : [.. fired.Select(s => (s.GetProperty("last_fire").GetProperty("fired_at").GetDateTimeOffset() - c.Mark).TotalMilliseconds)];
            var lastFire = fired.Count == 0 ? c.Mark : fired.Max(s => s.GetProperty("last_fire").GetProperty("fired_at").GetDateTimeOffset());
            var lastJob = ofMark.Where(j => j.FinishedAt is not null).Select(j => j.FinishedAt!.Value).DefaultIfEmpty(c.Mark).Max();
            var busyUntil = (lastJob > lastFire ? lastJob : lastFire) + TimeSpan.FromSeconds(3);
            var quietFrom = busyUntil > c.Mark.AddSeconds(20) ? busyUntil : c.Mark.AddSeconds(20);
            var allDone = fired.Count == count && (!c.WithJobs || ofMark.All(j => j.IsFinished));
            var quiet = allDone && to - quietFrom >= ShortestQuiet ? (quietFrom, to) : ((DateTimeOffset, DateTimeOffset)?)null;
            var (requestsA, requestsB) = (logA.Count(from, to), logB.Count(from, to));
            var perFire = fired.Count == 0 ? double.NaN : (requestsA - requestsB) / (double)fired.Count;
            string quietCell = "none: the fires (or their jobs) were not done by M+49 s", cpuCell = "-", azuriteCell = "-", rateCell = "-";
            if (quiet is { } q)
            {
                var use = CpuShare(cpu, q.Item1, q.Item2);
                var seconds = (q.Item2 - q.Item1).TotalSeconds;
                quietCell = $"M+{(q.Item1 - c.Mark).TotalSeconds:0} s to M+{(q.Item2 - c.Mark).TotalSeconds:0} s";
                cpuCell = $"{Pct(use[0])} / {Pct(use[1])} of a core";
                azuriteCell = $"{Pct(use[2])} / {Pct(use[3])}";
                rateCell = $"{logA.Count(q.Item1, q.Item2) / seconds:0.0} / {logB.Count(q.Item1, q.Item2) / seconds:0.0}";
            }

            summary.Row($"{c.Mark:HH:mm:ss}", c.WithJobs ? "enabled" : "disabled", $"{fired.Count} of {count} ({outcomes})", Late(lateness),
                $"M+{(lastFire - c.Mark).TotalSeconds:0.0} s / {(ofMark.Count == 0 ? "-" : $"M+{(lastJob - c.Mark).TotalSeconds:0.0} s ({ofMark.Count(j => j.IsFinished)} of {ofMark.Count} done)")}",
                $"{requestsA} / {requestsB}", F(perFire, 1), quietCell, cpuCell, azuriteCell, rateCell);

            var without = logB.ByKind(from, to).ToDictionary(k => k.Kind, k => k.Count);
            foreach (var (kind, n) in logA.ByKind(from, to))
            {
                var row = kindRows.TryGetValue(kind, out var existing) ? existing : kindRows[kind] = [.. Enumerable.Repeat("0", cycles.Count)];
                row[i] = F((n - without.GetValueOrDefault(kind)) / (double)Math.Max(1, fired.Count), 2);
            }
        }

        foreach (var (kind, row) in kindRows.OrderByDescending(r => r.Value.Sum(v => Math.Abs(double.Parse(v, CultureInfo.InvariantCulture)))).Take(14))
        {
            kinds.Row([kind, .. row]);
        }

        report.AddTable(summary);
        report.AddTable(kinds);

        // Where the cycles' work lands, 5 s at a time.
        var timeline = new ReportTable("Timeline, 5 s at a time from M-3 s: requests (with / without), CPU of host + worker and of Azurite (with / without, % of a core)",
            "from", "requests", "host + worker CPU", "Azurite CPU");
        foreach (var c in cycles)
        {
            for (var t = c.Mark - CycleBefore; t < c.Mark + CycleAfter; t += TimeSpan.FromSeconds(5))
            {
                var use = CpuShare(cpu, t, t.AddSeconds(5));
                timeline.Row($"{t:HH:mm:ss} (M{(t - c.Mark).TotalSeconds:+0;-0})", $"{logA.Count(t, t.AddSeconds(5))} / {logB.Count(t, t.AddSeconds(5))}",
                    $"{Pct(use[0])} / {Pct(use[1])}", $"{Pct(use[2])} / {Pct(use[3])}");
            }
        }

        report.AddTable(timeline);
        report.Method = $"{count} schedules created (8 at a time, {(created - creating).TotalSeconds:0} s), then {marks} minute marks; two apps at once, each under its own Functions host on its own Azurite";
        report.Note($"Host: {HostedFolders.DescribeHost()}; apps built from {HostedFolders.DescribeSource()}. Both apps are the FuncTasks app with the repository's host.json (gate on, limit 5) and a function task of '{JobSide.Function}'; " +
                    $"only the first has schedules: {count} × {{\"cron\": \"0 * * * * *\", \"overlap\": \"skip\"}}. The first minute mark ran with that task disabled (each fire is skipped_task_disabled: the driver's own work), the later ones with it enabled.");
        report.Note("Requests: each Azurite runs with its access log on (azurite/start.sh --access-log) and the harness counts its lines as they come (AzuriteServer.StartAsync(accessLog)): every request of the host and of the worker, " +
                    "including queue polls, lease renewals and SDK retries. Kinds fold the app's hub, table prefix and host id into {app}, keys into (), blob names into …");
        report.Note("CPU: /proc utime + stime of each host's process tree (the host and its worker) and of each Azurite, sampled every second, as a share of one core. The harness reads the schedules (and jobs) after each counted cycle, outside it.");
        return 0;
    }

    /// <summary>
    /// <c>--only sleeping</c>: every driver has set its timer (no orchestration checkpoint for 15 s), then 60 s in which nothing is
    /// due: the CPU and the storage requests of <paramref name="count"/> sleeping drivers against the app with none.
    /// </summary>
    private static async Task Sleeping(JobSide a, JobSide b, int count, TimeSpan creating, string cron, Func<(DateTimeOffset At, double[] Cpu)[]> cpu,
        StorageRequestLog logA, StorageRequestLog logB, Report report, CancellationToken ct)
    {
        // The drivers' first rounds lag behind the creates on a busy machine: wait until no orchestration of the app has
        // checkpointed (POST $batch) for 15 s, at most 5 min.
        var settling = DateTimeOffset.UtcNow;
        await Task.Delay(TimeSpan.FromSeconds(15), ct);
        while (logA.ByKind(DateTimeOffset.UtcNow.AddSeconds(-15), DateTimeOffset.UtcNow).Any(k => k.Kind == "POST $batch") && DateTimeOffset.UtcNow - settling < TimeSpan.FromMinutes(5))
        {
            await Task.Delay(TimeSpan.FromSeconds(1), ct);
        }

        var from = DateTimeOffset.UtcNow;
        BenchmarkContext.Progress($"drivers settled {(from - settling).TotalSeconds:0} s after the last create; measuring 60 s of {count} sleeping schedules");
        await Task.Delay(TimeSpan.FromSeconds(61.5), ct);
        var to = from.AddSeconds(60);
        var use = CpuShare(cpu(), from, to);
        var schedules = await a.ListSchedulesAsync(ct);
        var table = new ReportTable($"{count} schedules '{cron}' asleep (each driver's durable timer set), 60 s from {(from - settling).TotalSeconds:0} s after the last create (no checkpoint for 15 s before), against the same app with none",
            "", WithSchedules, WithoutSchedules);
        table.Row("host + worker CPU (% of a core)", Pct(use[0]), Pct(use[1]));
        table.Row("Azurite CPU (% of a core)", Pct(use[2]), Pct(use[3]));
        table.Row("storage requests per second", F(logA.Count(from, to) / 60.0, 1), F(logB.Count(from, to) / 60.0, 1));
        table.Row("schedules with next_runs (enabled, waiting)", schedules.Count(s => s.GetProperty("next_runs").GetArrayLength() > 0).ToString(CultureInfo.InvariantCulture), "0");
        report.AddTable(table);
        var kinds = new ReportTable("Storage requests in those 60 s by kind: with / without", "kind", "requests");
        var without = logB.ByKind(from, to).ToDictionary(k => k.Kind, k => k.Count);
        foreach (var (kind, n) in logA.ByKind(from, to).Take(12))
        {
            kinds.Row(kind, $"{n} / {without.GetValueOrDefault(kind)}");
        }

        report.AddTable(kinds);
        report.Method = $"{count} schedules created (8 at a time, {creating.TotalSeconds:0} s) that do not fire during the run; two apps at once, each under its own Functions host on its own Azurite";
        report.Note($"Host: {HostedFolders.DescribeHost()}; apps built from {HostedFolders.DescribeSource()}. Both apps are the FuncTasks app with the repository's host.json; only the first has schedules.");
        report.Note("Requests: each Azurite's access log (azurite/start.sh --access-log), counted as the lines come. CPU: /proc utime + stime of each host's process tree and of each Azurite, sampled every second.");
    }

    private sealed record Cycle(DateTimeOffset Mark, bool WithJobs, IReadOnlyList<JsonElement> Schedules, IReadOnlyList<JobRecord> Jobs);

    private static bool Fired(JsonElement schedule, DateTimeOffset mark) =>
        schedule.GetProperty("last_fire") is { ValueKind: JsonValueKind.Object } fire && fire.GetProperty("scheduled_for").GetDateTimeOffset() == mark;

    private static DateTimeOffset NextMinute(DateTimeOffset after) =>
        new DateTimeOffset(after.Ticks - (after.Ticks % TimeSpan.TicksPerMinute), TimeSpan.Zero).AddMinutes(1);

    private static async Task Until(DateTimeOffset at, CancellationToken ct)
    {
        var wait = at - DateTimeOffset.UtcNow;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, ct);
        }
    }

    /// <summary>Each sampled process's CPU over [from, to), as a share of one core, from the samples nearest the two ends.</summary>
    private static double[] CpuShare((DateTimeOffset At, double[] Cpu)[] samples, DateTimeOffset from, DateTimeOffset to)
    {
        var start = samples.LastOrDefault(s => s.At <= from);
        var end = samples.FirstOrDefault(s => s.At >= to);
        if (start.Cpu is null || end.Cpu is null)
        {
            return [double.NaN, double.NaN, double.NaN, double.NaN];
        }

        var seconds = (end.At - start.At).TotalSeconds;
        return [.. start.Cpu.Select((v, i) => (end.Cpu[i] - v) / seconds)];
    }

    private static string Late(double[] ms)
    {
        if (ms.Length == 0)
        {
            return "-";
        }

        var sorted = Statistics.Sorted(ms);
        return $"{F(Statistics.Quantile(sorted, 0.5) / 1000, 2)} / {F(Statistics.Quantile(sorted, 0.95) / 1000, 2)} / {F(sorted[^1] / 1000, 2)} s";
    }

    private static string Pct(double share) => double.IsNaN(share) ? "-" : $"{share * 100:0.0}%";

    private static string F(double value, int decimals) => double.IsNaN(value) ? "-" : value.ToString("F" + decimals.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
}
