using FuncTasks.E2E.Infrastructure;
using FuncTasks.Testing.Host;

namespace FuncTasks.E2E.Scenarios;

/// <summary>
/// The gate's queue past its head, under the host: an app whose gate keeps 2 waiters in its state
/// (<c>FuncTasks__Concurrency__QueueHead</c>) and lets 1 job run, so most of 12 waiting jobs wait in the overflow table.
/// They all run, one at a time, in the order they were submitted; the gate counts every waiter and ends idle.
/// </summary>
public sealed class GateOverflowTests
{
    [E2EFact]
    public async Task TwelveJobsAtLimitOne_WithAHeadOfTwo_RunOneAtATimeInSubmissionOrder_AndNoneIsLost()
    {
        await using var app = await HostedApp.StartAsync("overflow", settings: new Dictionary<string, string>
        {
            ["FuncTasks__Concurrency__Limit"] = "1",
            ["FuncTasks__Concurrency__QueueHead"] = "2",
        });
        using var api = new FuncTasksApi(app.Hosts[0]);
        var task = await api.CreateTaskAsync(new { command = "sleep 0.3" });

        // A holder first, so that all twelve ask while the permit is taken: an idle gate grants whichever ask comes
        // first, and their asks travel on different partitions.
        var holder = await api.RunAsync(new { command = "sleep 3" });
        await api.WaitForJobAsync(holder, TimeSpan.FromSeconds(30), "running");
        var ids = new List<string>();
        for (var i = 0; i < 12; i++)
        {
            ids.Add((await api.ExecuteAsync(task.Str("id"))).Str("job_id"));
        }

        // Soon after the last submission nearly all of them wait: 2 in the gate's state, the rest in the table.
        var mostWaiting = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(5))
        {
            mostWaiting = Math.Max(mostWaiting, (await api.GetAsync("api/v1/concurrency")).GetProperty("waiting").GetInt32());
            await Task.Delay(100);
        }

        var jobs = await api.WaitForJobsAsync(ids, TimeSpan.FromSeconds(120));
        await api.WaitForJobAsync(holder, TimeSpan.FromSeconds(30));

        Assert.All(jobs, j => Assert.Equal("completed", j.Str("status")));
        Assert.True(mostWaiting > 2, $"at most {mostWaiting} waited at once: the overflow was never used");
        Assert.Equal(ids, jobs.OrderBy(j => j.Time("started_at")).Select(j => j.Str("id")));
        Assert.Equal(1, GateTests.PeakRunning(jobs));

        // A record says completed one episode before its orchestration returns the permit: the gate is idle soon after.
        var idle = System.Diagnostics.Stopwatch.StartNew();
        (int InUse, int Waiting) gate;
        do
        {
            var answer = await api.GetAsync("api/v1/concurrency");
            gate = (answer.GetProperty("in_use").GetInt32(), answer.GetProperty("waiting").GetInt32());
            await Task.Delay(100);
        }
        while (gate != (0, 0) && idle.Elapsed < TimeSpan.FromSeconds(10));

        Assert.Equal((0, 0), gate);
    }
}
