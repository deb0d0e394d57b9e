using System.Diagnostics;
using FuncTasks.Testing;
using FuncTasks.Tests.Infrastructure;
using Xunit.Abstractions;

namespace FuncTasks.Tests.Gate;

/// <summary>Many jobs at once against a small limit, on the real durable engine with the gate entity.</summary>
[Collection(DurableHeavyTests.Name)]
public sealed class GateLoadTests(ITestOutputHelper output) : AppTests
{
    protected override FuncTasksTestAppOptions Options(string connectionString) => new()
    {
        StorageConnectionString = connectionString,
        WithDurable = true,
        // One host, no worker killed: the backend's own 5-minute visibility. With the test host's short default a
        // burst can see fetched messages redelivered and the backend's fetch loop back off 10 s after each error
        // (found by the throughput benchmark: 479 of 500 jobs still pending after 10 minutes).
        ControlQueueVisibilityTimeout = TimeSpan.FromMinutes(5),
        ConfigureServices = GateTestFunctions.Register,
    };

    [Fact]
    public async Task TwoHundredJobsAtOnce_LimitThree_AllCompleteWithArtifacts_AtMostThreeRunAtOnce_GateDrains()
    {
        const int Jobs = 200;
        const int Limit = 3;
        await GateAssert.SetLimitAsync(App, Limit);
        var taskId = (await App.CreateTaskAsync($$"""{"command": "{{GateTestFunctions.Nap}}", "params": {"ms": 200} }""")).GetProperty("id").GetString()!;

        // Watch the gate while the batch runs: it must never show more than the limit in use.
        using var stopWatching = new CancellationTokenSource();
        var watched = new List<GateView>();
        long slowestGet = 0; // a slow GET of the gate shows the whole process stalled (a busy machine), not the gate
        var watcher = Task.Run(async () =>
        {
            while (!stopWatching.IsCancellationRequested)
            {
                var probe = Stopwatch.StartNew();
                watched.Add(await GateAssert.GetAsync(App));
                slowestGet = Math.Max(slowestGet, probe.ElapsedMilliseconds);
                await Task.Delay(100);
            }
        });

        var clock = Stopwatch.StartNew();
        var ids = await Task.WhenAll(Enumerable.Range(0, Jobs).Select(i =>
            JobWaits.ExecuteTaskAsync(App, taskId, $$"""{"params": {"ms": {{150 + (i * 37 % 151)}} } }""")));
        var submitted = clock.Elapsed;
        Assert.Equal(Jobs, ids.Distinct().Count());

        var jobs = await GateAssert.AllFinishedAsync(App, ids, TimeSpan.FromSeconds(150));
        var finished = clock.Elapsed;
        await stopWatching.CancelAsync();
        await watcher;

        var notCompleted = jobs.Where(j => j.Status != "completed" || j.ArtifactId is null).ToList();
        Assert.True(notCompleted.Count == 0, $"{notCompleted.Count} jobs did not complete with an artifact: {string.Join("; ", notCompleted.Take(5))}");
        await Task.WhenAll(jobs.Chunk(20).Select(async chunk =>
        {
            foreach (var job in chunk)
            {
                var artifact = await JobWaits.ArtifactAsync(App, job.ArtifactId!);
                Assert.Equal(job.Id, artifact.GetProperty("job_id").GetString());
            }
        }));

        var overlap = GateAssert.MaxOverlap(jobs);
        var runs = jobs.Select(j => (j.FinishedAt!.Value - j.StartedAt!.Value).TotalMilliseconds).Order().ToList();
        var waits = jobs.Select(j => (j.StartedAt!.Value - j.SubmittedAt).TotalMilliseconds).Order().ToList();
        // A permit's handoff: from the finish that freed it to the start it allowed (i-th start after the first Limit vs (i-Limit)-th finish).
        var starts = jobs.Select(j => j.StartedAt!.Value).Order().ToList();
        var ends = jobs.Select(j => j.FinishedAt!.Value).Order().ToList();
        var handoffs = starts.Skip(Limit).Select((s, i) => (s - ends[i]).TotalMilliseconds).Order().ToList();
        var busiest = watched.Count == 0 ? 0 : watched.Max(w => w.InUse);
        output.WriteLine($"{Jobs} jobs, limit {Limit}: submitted in {submitted.TotalMilliseconds:0} ms, all finished after {finished.TotalMilliseconds:0} ms; " +
                         $"max overlap from the records {overlap}; gate polled {watched.Count} times, most in use {busiest}, most waiting {watched.Max(w => w.Waiting)}, slowest GET {slowestGet} ms");
        output.WriteLine($"run time per job (started->finished): min {runs[0]:0} median {runs[runs.Count / 2]:0} max {runs[^1]:0} ms; " +
                         $"submitted->started: median {waits[waits.Count / 2]:0} max {waits[^1]:0} ms; " +
                         $"permit handoff (a finish to the next start): median {handoffs[handoffs.Count / 2]:0} p90 {handoffs[handoffs.Count * 9 / 10]:0} ms; " +
                         $"first start to last finish {(ends[^1] - starts[0]).TotalMilliseconds:0} ms, slots busy {runs.Sum() / Limit / (ends[^1] - starts[0]).TotalMilliseconds:P0}");

        Assert.Equal(Limit, overlap);
        Assert.All(watched, w => Assert.True(w.InUse <= Limit && w.Holders.Count <= Limit, $"gate over the limit: {w}"));
        await GateAssert.DrainedAsync(App);
    }
}
