using System.Diagnostics;
using System.Globalization;
using FuncTasks.E2E.Infrastructure;
using FuncTasks.Testing.Host;
using Xunit.Abstractions;

namespace FuncTasks.E2E.Scenarios;

/// <summary>
/// Two hosts of one app (one Azurite, one task hub, one set of tables): a burst at limit 3 never runs more than 3
/// jobs at once across both, loses none, runs jobs on both, and leaves the gate idle. FUNCTASKS_E2E_SCALEOUT_RUNS
/// sets how many bursts (default 1; 10 is the acceptance bar, about 4 minutes).
/// </summary>
public sealed class ScaleOutTests(ITestOutputHelper output)
{
    private const int Jobs = 60;
    private const int Limit = 3;

    [E2EFact]
    public async Task TwoHosts_BurstOfSixtyAtLimitThree_PeaksAtThree_LosesNone_UsesBoth_LeavesTheGateIdle()
    {
        var runs = int.TryParse(Environment.GetEnvironmentVariable("FUNCTASKS_E2E_SCALEOUT_RUNS"), CultureInfo.InvariantCulture, out var n) ? n : 1;
        await using var app = await HostedApp.StartAsync("scaleout", hostCount: 2);
        using var first = new FuncTasksApi(app.Hosts[0]);
        using var second = new FuncTasksApi(app.Hosts[1]);
        await first.SetLimitAsync(Limit);
        // The worker's PID, from the shell's parent: which host ran the job.
        var task = await first.CreateTaskAsync(new { command = "echo $PPID; sleep 0.3" });
        var failures = new List<string>();

        for (var run = 1; run <= runs; run++)
        {
            var clock = Stopwatch.StartNew();
            // Accepted by both hosts, alternately, all at once.
            var ids = await Task.WhenAll(Enumerable.Range(0, Jobs).Select(async i =>
                (await (i % 2 == 0 ? first : second).ExecuteAsync(task.Str("id"))).Str("job_id")));
            var jobs = await first.WaitForJobsAsync(ids, TimeSpan.FromSeconds(180));
            var ran = clock.Elapsed;

            var peak = GateTests.PeakRunning(jobs);
            var notCompleted = jobs.Count(j => j.Str("status") != "completed");
            var workers = new HashSet<string>();
            foreach (var job in jobs.Where(j => j.Str("status") == "completed"))
            {
                workers.Add((await first.GetAsync($"api/v1/artifacts/{job.Str("artifact_id")}")).GetProperty("data").Str("stdout").Trim());
            }

            var idleAfter = await IdleWithinAsync(first, TimeSpan.FromSeconds(10));
            output.WriteLine($"run {run}: {ran.TotalSeconds:0.0} s, peak {peak}, not completed {notCompleted}, workers {workers.Count}, gate idle after {idleAfter?.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) ?? "never (10 s)"}");
            if (peak != Limit || notCompleted != 0 || workers.Count != 2 || idleAfter is null)
            {
                var gate = await first.GetAsync("api/v1/concurrency");
                failures.Add($"run {run}: peak {peak}, {notCompleted} not completed, {workers.Count} worker(s), gate {gate}");
            }
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures) + $"\nhost logs: {app.Hosts[0].LogPath} {app.Hosts[1].LogPath}");
    }

    /// <summary>How long after the last job the gate showed no permit held and no one waiting; null if not within the limit.</summary>
    private static async Task<TimeSpan?> IdleWithinAsync(FuncTasksApi api, TimeSpan limit)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < limit)
        {
            var gate = await api.GetAsync("api/v1/concurrency");
            if (gate.GetProperty("in_use").GetInt32() == 0 && gate.GetProperty("waiting").GetInt32() == 0)
            {
                return clock.Elapsed;
            }

            await Task.Delay(200);
        }

        return null;
    }
}
