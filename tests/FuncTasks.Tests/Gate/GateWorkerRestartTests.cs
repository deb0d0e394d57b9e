using System.Diagnostics;
using FuncTasks.Maintenance;
using FuncTasks.Testing;
using FuncTasks.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace FuncTasks.Tests.Gate;

/// <summary>The durable worker dies in the middle of a batch and comes back: nothing is lost, no permit leaks.</summary>
[Collection(DurableHeavyTests.Name)]
public sealed class GateWorkerRestartTests(ITestOutputHelper output) : AppTests
{
    protected override FuncTasksTestAppOptions Options(string connectionString) => new()
    {
        StorageConnectionString = connectionString,
        WithDurable = true,
        ConfigureServices = GateTestFunctions.Register,
        // What the dead worker held comes back after these (backend defaults: 5 min and 5 min; test host: 10 s and 30 s).
        ControlQueueVisibilityTimeout = TimeSpan.FromSeconds(6),
        WorkItemQueueVisibilityTimeout = TimeSpan.FromSeconds(8),
    };

    [Fact]
    public async Task WorkerKilledMidBatch_ThenStarted_EveryJobFinishes_NoneIsLost_TheLimitHolds_TheGateDrains()
    {
        const int Jobs = 24;
        const int Limit = 3;
        await GateAssert.SetLimitAsync(App, Limit);
        var taskId = (await App.CreateTaskAsync($$"""{"command": "{{GateTestFunctions.Nap}}", "params": {"ms": 400} }""")).GetProperty("id").GetString()!;
        var ids = await Task.WhenAll(Enumerable.Range(0, Jobs).Select(_ => JobWaits.ExecuteTaskAsync(App, taskId)));

        // Kill it while jobs are running (their activities' results are then lost and the activities run again elsewhere).
        List<JobRecord> atKill = [];
        await Poll.UntilAsync(async () =>
        {
            atKill = await GateAssert.ListJobsAsync(App);
            return atKill.Count(j => j.Status == "completed") >= 5 && atKill.Count(j => j.Status == "running") >= 2;
        }, "five jobs to complete and two to be running", TimeSpan.FromSeconds(60));
        var durable = App.App.Durable!;
        await durable.StopWorkerAsync(); // forced: the process dies with work in hand
        output.WriteLine($"worker killed with {Count(atKill)}; after the kill: {Count(await GateAssert.ListJobsAsync(App))}, gate {await GateAssert.GetAsync(App)}");

        await Task.Delay(1000);
        var clock = Stopwatch.StartNew();
        await durable.StartWorkerAsync();

        List<JobRecord> jobs;
        SweepSummary? sweep = null;
        try
        {
            jobs = await GateAssert.AllFinishedAsync(App, ids, TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException stuck)
        {
            // Whatever the engine could not finish, the sweep must (and may only fail what is really lost).
            output.WriteLine($"not all finished after the restart: {stuck.Message}");
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            sweep = await App.Services.GetRequiredService<OrphanSweeper>().SweepAsync(App.DurableClient, timeout.Token);
            output.WriteLine($"sweep: failed {sweep.JobsFailed}, reclaimed {sweep.PermitsReclaimed}");
            jobs = await GateAssert.AllFinishedAsync(App, ids, TimeSpan.FromSeconds(30));
        }

        output.WriteLine($"after the restart: {Count(jobs)} within {clock.ElapsedMilliseconds} ms; max overlap {GateAssert.MaxOverlap(jobs)}");
        Assert.Equal(Jobs, jobs.Count);
        Assert.All(jobs, j => Assert.True(
            (j.Status == "completed" && j.ArtifactId is not null) || (j.Status == "failed" && j.ErrorType == "orchestration_lost" && sweep is not null),
            $"job neither completed nor failed by the sweep: {j}"));
        Assert.True(GateAssert.MaxOverlap(jobs) <= Limit, $"more than {Limit} ran at once: {GateAssert.MaxOverlap(jobs)}");
        await GateAssert.DrainedAsync(App);
    }

    private static string Count(IEnumerable<JobRecord> jobs) =>
        string.Join(", ", jobs.GroupBy(j => j.Status).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Count()} {g.Key}"));
}
