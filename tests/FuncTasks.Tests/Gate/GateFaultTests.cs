using System.Net;
using System.Text.Json;
using FuncTasks.Maintenance;
using FuncTasks.Tests.Infrastructure;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace FuncTasks.Tests.Gate;

/// <summary>
/// Every way a job can end badly returns its permit: each test ends with the gate at 0 in use and 0 waiting
/// and no job pending or running. Real durable engine with the gate entity, real shell processes.
/// </summary>
public sealed class GateFaultTests(ITestOutputHelper output) : AppTests(withDurable: true, configureServices: GateTestFunctions.Register)
{
    [Fact]
    public async Task FunctionThatThrows_Fails_AndReturnsItsPermit()
    {
        var jobId = await JobWaits.ExecuteAsync(App, $$"""{"command": "{{GateTestFunctions.Boom}}", "params": {"message": "kaboom"} }""");
        var job = await JobWaits.UntilAsync(App, jobId);

        Assert.Equal("failed", job.GetProperty("status").GetString());
        Assert.Equal("System.InvalidOperationException", job.GetProperty("error").GetProperty("type").GetString());
        Assert.Equal("kaboom", job.GetProperty("error").GetProperty("message").GetString());
        await JobWaits.ArtifactAsync(App, job.GetProperty("artifact_id").GetString()!);
        await GateAssert.DrainedAsync(App);
    }

    [Fact]
    public async Task ShellCommandExitingNonZero_Fails_AndReturnsItsPermit()
    {
        var jobId = await JobWaits.ExecuteAsync(App, """{"command": "echo out; exit 7"}""");
        var job = await JobWaits.UntilAsync(App, jobId);

        Assert.Equal("failed", job.GetProperty("status").GetString());
        Assert.Equal(7, job.GetProperty("exit_code").GetInt32());
        Assert.Equal("exit_code", job.GetProperty("error").GetProperty("type").GetString());
        await JobWaits.ArtifactAsync(App, job.GetProperty("artifact_id").GetString()!);
        await GateAssert.DrainedAsync(App);
    }

    [Fact]
    public async Task Timeout_FailsTheJob_KillsTheProcess_AndReturnsItsPermit()
    {
        using var sleep = ProcessProbe.Sleep(30);
        var jobId = await JobWaits.ExecuteAsync(App, $$"""{"command": "sleep {{sleep.Marker}}", "timeout_seconds": 1}""");
        var job = await JobWaits.UntilAsync(App, jobId, TimeSpan.FromSeconds(30));

        Assert.Equal("failed", job.GetProperty("status").GetString());
        Assert.Equal("timeout", job.GetProperty("error").GetProperty("type").GetString());
        await Poll.UntilAsync(() => sleep.Count == 0, "the timed-out process to be killed", TimeSpan.FromSeconds(10));
        await GateAssert.DrainedAsync(App);
    }

    [Fact]
    public async Task CancelWhileWaitingForAPermit_NeverRuns_AndLeavesTheQueue()
    {
        await GateAssert.SetLimitAsync(App, 1);
        var blocker = await JobWaits.ExecuteAsync(App, $$"""{"command": "{{GateTestFunctions.Nap}}", "params": {"ms": 60000} }""");
        await JobWaits.UntilAsync(App, blocker, null, "running");
        var waiter = await JobWaits.ExecuteAsync(App, $$"""{"command": "{{GateTestFunctions.Nap}}", "params": {"ms": 10} }""");
        await GateAssert.UntilGateAsync(App, g => g is { InUse: 1, Waiting: 1 }, "the second job to queue for a permit");
        var waiting = await GateAssert.GetJobAsync(App, waiter);
        Assert.Equal("pending", waiting.Status); // its wait shows: in the line since it was accepted, no permit yet
        Assert.Equal(waiting.SubmittedAt, waiting.PermitRequestedAt);
        Assert.Null(waiting.PermitGrantedAt);

        using (var cancel = await App.PostAsync($"/api/v1/jobs/{waiter}/$cancel"))
        {
            Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        }

        using (var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            var instance = await App.DurableClient.WaitForInstanceCompletionAsync(waiter, getInputsAndOutputs: true, wait.Token);
            Assert.Equal(OrchestrationRuntimeStatus.Completed, instance.RuntimeStatus);
        }

        // Out of the queue at once; the blocker keeps its permit.
        await GateAssert.UntilGateAsync(App, g => g is { InUse: 1, Waiting: 0 }, "the canceled job to leave the queue");
        Assert.Equal([blocker], (await GateAssert.GetAsync(App)).Holders);
        var canceled = await GateAssert.GetJobAsync(App, waiter);
        Assert.Equal("canceled", canceled.Status);
        Assert.Null(canceled.StartedAt);
        Assert.Null(canceled.PermitGrantedAt);

        using (var cancel = await App.PostAsync($"/api/v1/jobs/{blocker}/$cancel"))
        {
            Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        }

        Assert.Equal("canceled", (await JobWaits.UntilAsync(App, blocker)).GetProperty("status").GetString());
        await GateAssert.DrainedAsync(App);

        // And the canceled waiter never ran afterwards either.
        Assert.Null((await GateAssert.GetJobAsync(App, waiter)).StartedAt);
    }

    [Fact]
    public async Task CancelWhileRunning_KillsTheProcess_AndReturnsThePermit()
    {
        using var sleep = ProcessProbe.Sleep(60);
        var jobId = await JobWaits.ExecuteAsync(App, $$"""{"command": "sleep {{sleep.Marker}}"}""");
        await JobWaits.UntilAsync(App, jobId, null, "running");
        await Poll.UntilAsync(() => sleep.Count > 0, "the sleep to start");
        Assert.Contains(jobId, (await GateAssert.GetAsync(App)).Holders);

        using (var cancel = await App.PostAsync($"/api/v1/jobs/{jobId}/$cancel"))
        {
            Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        }

        await Poll.UntilAsync(() => sleep.Count == 0, "the process to be killed", TimeSpan.FromSeconds(10));
        var job = await JobWaits.UntilAsync(App, jobId);
        Assert.Equal("canceled", job.GetProperty("status").GetString());
        await GateAssert.DrainedAsync(App);
    }

    [Fact]
    public async Task OrchestrationTerminatedFromOutside_SweepFailsTheJob_TheProcessIsKilled_ThePermitComesBack()
    {
        using var sleep = ProcessProbe.Sleep(60);
        var jobId = await JobWaits.ExecuteAsync(App, $$"""{"command": "sleep {{sleep.Marker}}"}""");
        await JobWaits.UntilAsync(App, jobId, null, "running");
        await Poll.UntilAsync(() => sleep.Count > 0, "the sleep to start");

        await App.DurableClient.TerminateInstanceAsync(jobId, "terminated by the test");
        using (var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            var instance = await App.DurableClient.WaitForInstanceCompletionAsync(jobId, wait.Token);
            Assert.Equal(OrchestrationRuntimeStatus.Terminated, instance.RuntimeStatus);
        }

        // A terminated orchestration runs no more code: its record still says running and it still holds its permit.
        Assert.Equal("running", (await GateAssert.GetJobAsync(App, jobId)).Status);
        Assert.Contains(jobId, (await GateAssert.GetAsync(App)).Holders);

        var summary = await Sweep();
        output.WriteLine($"sweep: {JsonSerializer.Serialize(summary)}");
        Assert.Equal([jobId], summary.FailedJobIds);
        Assert.Equal([jobId], summary.ReclaimedJobIds);

        var job = await JobWaits.UntilAsync(App, jobId);
        Assert.Contains(job.GetProperty("status").GetString(), new[] { "failed", "canceled" });
        Assert.Equal("orchestration_lost", job.GetProperty("error").GetProperty("type").GetString());
        await Poll.UntilAsync(() => sleep.Count == 0, "the orphaned process to be killed", TimeSpan.FromSeconds(10));
        await GateAssert.DrainedAsync(App);

        var again = await Sweep();
        Assert.Equal((0, 0, 0), (again.TasksDisabled, again.JobsFailed, again.PermitsReclaimed));
    }

    [Fact]
    public async Task DeleteWhileRunning_RemovesTheJob_KillsTheProcess_AndReturnsThePermit()
    {
        using var sleep = ProcessProbe.Sleep(60);
        var jobId = await JobWaits.ExecuteAsync(App, $$"""{"command": "sleep {{sleep.Marker}}"}""");
        await JobWaits.UntilAsync(App, jobId, null, "running");
        await Poll.UntilAsync(() => sleep.Count > 0, "the sleep to start");
        Assert.Contains(jobId, (await GateAssert.GetAsync(App)).Holders);

        using (var delete = await App.DeleteAsync($"/api/v1/jobs/{jobId}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        }

        using (var get = await App.GetAsync($"/api/v1/jobs/{jobId}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        }

        Assert.Null(await App.DurableClient.GetInstanceAsync(jobId));
        await Poll.UntilAsync(() => sleep.Count == 0, "the process to be killed", TimeSpan.FromSeconds(10));
        await GateAssert.DrainedAsync(App);

        // The activity finished after the record went: it must not have brought the record back.
        await Task.Delay(500);
        using (var get = await App.GetAsync($"/api/v1/jobs/{jobId}"))
        {
            Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        }
    }

    private async Task<SweepSummary> Sweep()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        return await App.Services.GetRequiredService<OrphanSweeper>().SweepAsync(App.DurableClient, timeout.Token);
    }
}
