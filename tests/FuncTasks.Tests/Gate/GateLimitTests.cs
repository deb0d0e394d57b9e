using System.Diagnostics;
using FuncTasks.Tests.Infrastructure;
using Xunit.Abstractions;

namespace FuncTasks.Tests.Gate;

/// <summary>
/// Changing the limit while jobs wait or run, and first-come-first-served at a limit of 1. Jobs that must stay
/// running while the test looks hold on a latch the test opens, so slow machines do not change what is observed.
/// </summary>
public sealed class GateLimitTests(ITestOutputHelper output) : AppTests(withDurable: true, configureServices: GateTestFunctions.Register)
{
    [Fact]
    public async Task RaisingTheLimit_LetsWaitersInAtOnce()
    {
        await GateAssert.SetLimitAsync(App, 1);
        var first = GateTestFunctions.NewLatch();
        var rest = GateTestFunctions.NewLatch();
        var holder = await JobWaits.ExecuteAsync(App, HoldTask(first));
        await JobWaits.UntilAsync(App, holder, null, "running");
        var taskId = (await App.CreateTaskAsync(HoldTask(rest))).GetProperty("id").GetString()!;
        var waiters = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            waiters.Add(await JobWaits.ExecuteTaskAsync(App, taskId));
        }

        await GateAssert.UntilGateAsync(App, g => g is { InUse: 1, Waiting: 5 }, "five jobs to queue behind the first");

        var clock = Stopwatch.StartNew();
        var set = await GateAssert.SetLimitAsync(App, 4);
        var answered = clock.Elapsed;
        Assert.Equal(4, set.InUse); // the PUT answers with the gate after the change: three waiters are in
        Assert.Equal(2, set.Waiting);
        Assert.Equal(new[] { holder, waiters[0], waiters[1], waiters[2] }.Order(StringComparer.Ordinal), set.Holders); // the oldest three
        await Poll.UntilAsync(async () => (await GateAssert.ListJobsAsync(App, "status=running")).Count == 4, "four jobs to run");
        var fourRunning = clock.Elapsed;
        output.WriteLine($"limit 1 -> 4: PUT answered after {answered.TotalMilliseconds:0} ms showing 4 in use; " +
                         $"4 jobs running {fourRunning.TotalMilliseconds:0} ms after the PUT was sent");
        Assert.Equal("running", (await GateAssert.GetJobAsync(App, holder)).Status); // nobody had to finish first

        GateTestFunctions.Open(first);
        GateTestFunctions.Open(rest);
        var jobs = await GateAssert.AllFinishedAsync(App, [holder, .. waiters], TimeSpan.FromSeconds(60));
        Assert.All(jobs, j => Assert.Equal("completed", j.Status));
        Assert.Equal(4, GateAssert.MaxOverlap(jobs));
        await GateAssert.DrainedAsync(App);
    }

    [Fact]
    public async Task LoweringTheLimit_StopsNoRunningJob_NewJobsWaitUntilBelowIt()
    {
        await GateAssert.SetLimitAsync(App, 4);
        var latch = GateTestFunctions.NewLatch();
        var holdTask = (await App.CreateTaskAsync(HoldTask(latch))).GetProperty("id").GetString()!;
        var running = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            running.Add(await JobWaits.ExecuteTaskAsync(App, holdTask));
        }

        await Poll.UntilAsync(async () => (await GateAssert.ListJobsAsync(App, "status=running")).Count == 4, "four jobs to run");

        var lowered = await GateAssert.SetLimitAsync(App, 1);
        Assert.Equal(4, lowered.InUse); // nobody lost a permit

        var napTask = (await App.CreateTaskAsync($$"""{"command": "{{GateTestFunctions.Nap}}", "params": {"ms": 200} }""")).GetProperty("id").GetString()!;
        var later = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            later.Add(await JobWaits.ExecuteTaskAsync(App, napTask));
        }

        await GateAssert.UntilGateAsync(App, g => g is { Limit: 1, InUse: 4, Waiting: 2 }, "the new jobs to wait behind the four");
        await Task.Delay(1000);
        Assert.Equal(4, (await GateAssert.ListJobsAsync(App, "status=running")).Count);
        Assert.All(await Task.WhenAll(later.Select(id => GateAssert.GetJobAsync(App, id))), j => Assert.Equal("pending", j.Status));

        GateTestFunctions.Open(latch);
        var first = await GateAssert.AllFinishedAsync(App, running, TimeSpan.FromSeconds(30));
        Assert.All(first, j => Assert.True(j.Status == "completed" && j.ErrorType is null, $"a running job was disturbed: {j}"));
        var next = await GateAssert.AllFinishedAsync(App, later, TimeSpan.FromSeconds(30));
        Assert.All(next, j => Assert.Equal("completed", j.Status));

        // Below the new limit of 1 means none of the four holds a permit: the later jobs start after all four ended, one at a time.
        var lastOfFour = first.Max(j => j.FinishedAt!.Value);
        Assert.All(next, j => Assert.True(j.StartedAt >= lastOfFour, $"{j} started before the last of the four finished at {lastOfFour:HH:mm:ss.fff}"));
        Assert.Equal(1, GateAssert.MaxOverlap(next));
        Assert.Equal(4, GateAssert.MaxOverlap(first));
        await GateAssert.DrainedAsync(App);
    }

    [Fact]
    public async Task LimitOne_StrictlyOneAtATime_InSubmissionOrder()
    {
        await GateAssert.SetLimitAsync(App, 1);

        // A job that finds the permit free takes it at once: order is a matter of the queue. So the first job holds the
        // permit until the seven others, each submitted after the one before was accepted, all wait behind it.
        var latch = GateTestFunctions.NewLatch();
        var submitted = new List<string> { await JobWaits.ExecuteAsync(App, HoldTask(latch)) };
        await JobWaits.UntilAsync(App, submitted[0], null, "running");
        var taskId = (await App.CreateTaskAsync($$"""{"command": "{{GateTestFunctions.Nap}}", "params": {"ms": 200} }""")).GetProperty("id").GetString()!;
        for (var i = 1; i < 8; i++)
        {
            submitted.Add(await JobWaits.ExecuteTaskAsync(App, taskId));
        }

        await GateAssert.UntilGateAsync(App, g => g is { InUse: 1, Waiting: 7 }, "seven jobs to queue");
        GateTestFunctions.Open(latch);

        var jobs = await GateAssert.AllFinishedAsync(App, submitted, TimeSpan.FromSeconds(60));
        var byStart = jobs.OrderBy(j => j.StartedAt).ToList();
        var timeline = string.Join(Environment.NewLine, jobs.Select((j, i) => $"#{i} {j}"));
        output.WriteLine(timeline);

        Assert.All(jobs, j => Assert.Equal("completed", j.Status));
        for (var i = 1; i < byStart.Count; i++)
        {
            Assert.True(byStart[i].StartedAt >= byStart[i - 1].FinishedAt,
                $"{byStart[i].Id} started before {byStart[i - 1].Id} finished:{Environment.NewLine}{timeline}");
        }

        Assert.True(submitted.SequenceEqual(byStart.Select(j => j.Id)),
            $"start order is not submission order (submission order #0..#7):{Environment.NewLine}{timeline}{Environment.NewLine}" +
            $"started: {string.Join(" ", byStart.Select(j => "#" + submitted.IndexOf(j.Id)))}");
        await GateAssert.DrainedAsync(App);
    }

    private static string HoldTask(string latch) => $$"""{"command": "{{GateTestFunctions.Hold}}", "params": {"latch": "{{latch}}"} }""";
}
