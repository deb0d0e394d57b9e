using System.Net;
using System.Text.Json;
using FuncTasks.Api;
using FuncTasks.Gate;
using FuncTasks.Jobs;
using FuncTasks.Maintenance;
using FuncTasks.Tasks;
using FuncTasks.Testing;
using FuncTasks.Tests.Gate;
using FuncTasks.Tests.Infrastructure;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace FuncTasks.Tests.Maintenance;

/// <summary>
/// The sweep on the real durable engine: it disables orphaned function tasks, fails jobs whose orchestration is
/// gone, returns permits of finished or vanished jobs, and a second run changes nothing.
/// </summary>
public sealed class SweepTests(ITestOutputHelper output) : AppTests(withDurable: true, configureServices: GateTestFunctions.Register)
{
    [Fact]
    public async Task OrphanedFunctionTask_IsListedAndDisabledWithAReason_OnlyOnce()
    {
        // App A has the function; app B (same tables, a later version) does not.
        await using var withGhost = await AppHost.StartAsync(cs => new FuncTasksTestAppOptions
        {
            StorageConnectionString = cs,
            Prefix = App.Prefix,
            ConfigureServices = s => s.AddTaskFunctionForTest("sweep_ghost"),
        });
        var ghost = (await withGhost.CreateTaskAsync("""{"command": "sweep_ghost"}""")).GetProperty("id").GetString()!;
        var greet = (await withGhost.CreateTaskAsync("""{"command": "greet_user"}""")).GetProperty("id").GetString()!;
        var shell = (await withGhost.CreateTaskAsync("""{"command": "echo hi"}""")).GetProperty("id").GetString()!;
        Assert.Equal(0, (await OrphanedAsync(withGhost)).GetProperty("count").GetInt32());

        var orphaned = await OrphanedAsync(App);
        Assert.Equal(1, orphaned.GetProperty("count").GetInt32());
        Assert.Equal(ghost, Assert.Single(orphaned.GetProperty("orphaned_tasks").EnumerateArray()).GetProperty("id").GetString());

        var first = await SweepAsync();
        Assert.Equal(1, first.TasksDisabled);
        Assert.Equal([ghost], first.DisabledTaskIds);
        Assert.Equal((0, 0), (first.JobsFailed, first.PermitsReclaimed));

        var (task, etag) = await GetTaskAsync(ghost);
        Assert.False(task.GetProperty("enabled").GetBoolean());
        var reason = task.GetProperty("disabled_reason").GetString();
        output.WriteLine($"disabled_reason: {reason}");
        Assert.Contains("sweep_ghost", reason, StringComparison.Ordinal);
        Assert.True((await GetTaskAsync(greet)).Task.GetProperty("enabled").GetBoolean());
        Assert.True((await GetTaskAsync(shell)).Task.GetProperty("enabled").GetBoolean());

        using (var execute = await App.PostAsync($"/api/v1/tasks/{ghost}/$execute"))
        {
            await Json.AssertProblemAsync(execute, 409, "task-disabled");
        }

        var second = await SweepAsync();
        Assert.Equal((0, 0, 0), (second.TasksDisabled, second.JobsFailed, second.PermitsReclaimed));
        Assert.Equal(etag, (await GetTaskAsync(ghost)).ETag); // not written again
        Assert.Equal(1, (await OrphanedAsync(App)).GetProperty("count").GetInt32()); // still orphaned, now disabled
        await GateAssert.DrainedAsync(App);
    }

    [Fact]
    public async Task JobsWhoseOrchestrationIsGone_AreFailed_FreshOnesAndLiveOnesAreLeftAlone()
    {
        var jobs = App.Services.GetRequiredService<JobStore>();
        var now = DateTimeOffset.UtcNow;

        // Records that say pending or running while no orchestration exists (accepted long ago).
        var lostRunning = await CreateRecordAsync(jobs, JobStatus.Running, now.AddMinutes(-5), now.AddMinutes(-4));
        var lostPending = await CreateRecordAsync(jobs, JobStatus.Pending, now.AddMinutes(-5), null);
        // Just accepted: its orchestration may not be scheduled yet ($execute writes the record first).
        var fresh = await CreateRecordAsync(jobs, JobStatus.Pending, now, null);

        // A real job whose orchestration completed, but whose record says running again (a lost last write).
        var done = await JobWaits.ExecuteAsync(App, """{"command": "greet_user"}""");
        await JobWaits.UntilAsync(App, done);
        await jobs.UpdateAsync(done, j => j with { Status = JobStatus.Running, FinishedAt = null }, CancellationToken.None);

        // A job that is really running: not touched.
        var live = await JobWaits.ExecuteAsync(App, $$"""{"command": "{{GateTestFunctions.Nap}}", "params": {"ms": 60000} }""");
        await JobWaits.UntilAsync(App, live, null, "running");

        var first = await SweepAsync();
        output.WriteLine($"sweep: {JsonSerializer.Serialize(first)}");
        Assert.Equal(new[] { lostRunning, lostPending, done }.Order(StringComparer.Ordinal), first.FailedJobIds.Order(StringComparer.Ordinal));
        Assert.Equal(3, first.JobsFailed);
        foreach (var id in new[] { lostRunning, lostPending, done })
        {
            var job = await GateAssert.GetJobAsync(App, id);
            Assert.Equal("failed", job.Status);
            Assert.Equal("orchestration_lost", job.ErrorType);
            Assert.NotNull(job.FinishedAt);
        }

        Assert.Equal("pending", (await GateAssert.GetJobAsync(App, fresh)).Status);
        Assert.Equal("running", (await GateAssert.GetJobAsync(App, live)).Status);
        Assert.Contains(live, (await GateAssert.GetAsync(App)).Holders);

        var second = await SweepAsync();
        Assert.Equal((0, 0, 0), (second.TasksDisabled, second.JobsFailed, second.PermitsReclaimed));

        using (var delete = await App.DeleteAsync($"/api/v1/jobs/{fresh}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        }

        using (var cancel = await App.PostAsync($"/api/v1/jobs/{live}/$cancel"))
        {
            Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        }

        await GateAssert.DrainedAsync(App);
    }

    [Fact]
    public async Task PermitsOfFinishedOrUnknownJobs_AreReclaimed_LiveHoldersKeepTheirs_OnlyOnce()
    {
        await GateAssert.SetLimitAsync(App, 3);
        var live = await JobWaits.ExecuteAsync(App, $$"""{"command": "{{GateTestFunctions.Nap}}", "params": {"ms": 60000} }""");
        await JobWaits.UntilAsync(App, live, null, "running");
        var finished = await JobWaits.ExecuteAsync(App, """{"command": "greet_user"}""");
        Assert.Equal("completed", (await JobWaits.UntilAsync(App, finished)).GetProperty("status").GetString());
        // Its orchestration returns the permit after the record says completed: wait for that, or it would release the fake one below.
        using (var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            await App.DurableClient.WaitForInstanceCompletionAsync(finished, wait.Token);
        }

        await GateAssert.UntilGateAsync(App, g => g is { InUse: 1, Waiting: 0 }, "the finished job's own release");
        var unknown = UlidIds.New(TimeProvider.System);
        var unknownWaiter = UlidIds.New(TimeProvider.System);

        // Permits a lost release left behind: a finished job and a job that never existed hold one each; a third queues.
        // Granted directly (as a watched acquire grants), so no waker tells them and none returns them: only the sweep can.
        var expected = new[] { (finished, 2, 0), (unknown, 3, 0), (unknownWaiter, 3, 1) };
        foreach (var (id, inUse, waiting) in expected)
        {
            await App.DurableClient.Entities.SignalEntityAsync(ConcurrencyGate.Id, ConcurrencyGate.Operations.AcquireWatched, id);
            await GateAssert.UntilGateAsync(App, g => g.InUse == inUse && g.Waiting == waiting, "the leaked permits to show");
        }

        Assert.Equal(new[] { live, finished, unknown }.Order(StringComparer.Ordinal), (await GateAssert.GetAsync(App)).Holders);

        var first = await SweepAsync();
        output.WriteLine($"sweep: {JsonSerializer.Serialize(first)}");
        Assert.Equal(new[] { finished, unknown, unknownWaiter }.Order(StringComparer.Ordinal), first.ReclaimedJobIds.Order(StringComparer.Ordinal));
        Assert.Equal(3, first.PermitsReclaimed);
        Assert.Equal(0, first.JobsFailed);

        // Right away, a second run finds nothing more to do.
        var second = await SweepAsync();
        Assert.Equal((0, 0, 0), (second.TasksDisabled, second.JobsFailed, second.PermitsReclaimed));

        await GateAssert.UntilGateAsync(App, g => g is { InUse: 1, Waiting: 0 }, "the leaked permits to be returned");
        Assert.Equal([live], (await GateAssert.GetAsync(App)).Holders);
        Assert.Equal("running", (await GateAssert.GetJobAsync(App, live)).Status);

        using (var cancel = await App.PostAsync($"/api/v1/jobs/{live}/$cancel"))
        {
            Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        }

        await GateAssert.DrainedAsync(App);
    }

    [Fact]
    public async Task FinishedWakeUpOrchestrations_ArePurged()
    {
        await GateAssert.SetLimitAsync(App, 1);
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add(await JobWaits.ExecuteAsync(App, $$"""{"command": "{{GateTestFunctions.Nap}}", "params": {"ms": 300} }"""));
        }

        await GateAssert.AllFinishedAsync(App, ids, TimeSpan.FromSeconds(60));
        await GateAssert.DrainedAsync(App);
        var wakers = await WakerIdsAsync();
        Assert.NotEmpty(wakers); // at limit 1 the later jobs waited and were told by a waker

        var sweep = await SweepAsync();
        Assert.Equal(wakers.Count, sweep.WakersPurged);
        Assert.Empty(await WakerIdsAsync());
        foreach (var id in ids)
        {
            Assert.NotNull(await App.DurableClient.GetInstanceAsync(id)); // the jobs keep their history
        }
    }

    private async Task<List<string>> WakerIdsAsync()
    {
        var ids = new List<string>();
        await foreach (var instance in App.DurableClient.GetAllInstancesAsync(new OrchestrationQuery { InstanceIdPrefix = PermitWaker.InstanceIdPrefix }))
        {
            ids.Add(instance.InstanceId);
        }

        return ids;
    }

    private async Task<SweepSummary> SweepAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        return await App.Services.GetRequiredService<OrphanSweeper>().SweepAsync(App.DurableClient, timeout.Token);
    }

    private static async Task<JsonElement> OrphanedAsync(AppHost host)
    {
        using var response = await host.GetAsync("/api/v1/tasks/$orphaned");
        var body = await Json.ReadAsync(response);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"$orphaned: {(int)response.StatusCode} {body}");
        return body;
    }

    private async Task<(JsonElement Task, string? ETag)> GetTaskAsync(string id)
    {
        using var response = await App.GetAsync($"/api/v1/tasks/{id}");
        var body = await Json.ReadAsync(response);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (body, response.Headers.ETag?.Tag);
    }

    private static async Task<string> CreateRecordAsync(JobStore jobs, JobStatus status, DateTimeOffset submittedAt, DateTimeOffset? startedAt)
    {
        var id = UlidIds.New(TimeProvider.System);
        await jobs.CreateAsync(new Job(id, UlidIds.New(TimeProvider.System), TaskType.Shell, "echo lost", null, status,
            Trunc(submittedAt), startedAt is { } s ? Trunc(s) : null, null, null, null, null, null) { Attempt = startedAt is null ? 0 : 1 }, CancellationToken.None);
        return id;
    }

    private static DateTimeOffset Trunc(DateTimeOffset t) => new(t.Ticks - (t.Ticks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
}

internal static class SweepTestFunctions
{
    public static IServiceCollection AddTaskFunctionForTest(this IServiceCollection services, string name) =>
        FuncTasks.Hosting.FuncTasksRegistration.AddTaskFunction(services, name, (Func<object>)(() => new { ok = true }), "Only in the old version of the app.");
}
