using FuncTasks.Gate;
using FuncTasks.Tests.Infrastructure;
using Microsoft.DurableTask.Client;

namespace FuncTasks.Tests.Gate;

/// <summary>
/// What a run of the gate that the backend discards can send (seen under two real hosts: "split brain" in the Durable
/// log): a permit event for a job the committed state never granted, and acquires delivered again after their job
/// released. The real durable engine, with those messages sent by hand.
/// </summary>
public sealed class GateSplitBrainTests() : AppTests(
    new Dictionary<string, string?> { ["FuncTasks:Concurrency:PermitConfirmSeconds"] = "1" },
    GateTestFunctions.Register,
    withDurable: true)
{
    [Fact]
    public async Task PermitEventTheGateNeverGranted_StartsNothing_TheJobRunsWhenItsTurnComes()
    {
        await GateAssert.SetLimitAsync(App, 1);
        var latch = GateTestFunctions.NewLatch();
        var holder = await JobWaits.ExecuteAsync(App, $$"""{"command": "{{GateTestFunctions.Hold}}", "params": {"latch": "{{latch}}"} }""");
        await JobWaits.UntilAsync(App, holder, null, "running");
        var waiter = await JobWaits.ExecuteAsync(App, $$"""{"command": "{{GateTestFunctions.Nap}}", "params": {"ms": 10} }""");
        await GateAssert.UntilGateAsync(App, g => g is { InUse: 1, Waiting: 1 }, "the second job to queue");

        // A waker of a discarded run tells the waiting job it holds a permit.
        await App.DurableClient.RaiseEventAsync(waiter, PermitWaker.PermitGrantedEvent, waiter);
        await Task.Delay(TimeSpan.FromSeconds(3)); // RunJob looks for the permit for 1 s, then the job asks again

        var still = await GateAssert.GetJobAsync(App, waiter);
        Assert.Equal("pending", still.Status);
        Assert.Null(still.StartedAt);
        Assert.Equal([holder], (await GateAssert.GetAsync(App)).Holders);

        GateTestFunctions.Open(latch);
        var jobs = await GateAssert.AllFinishedAsync(App, [holder, waiter], TimeSpan.FromSeconds(30));
        Assert.All(jobs, j => Assert.Equal("completed", j.Status));
        Assert.Equal(1, GateAssert.MaxOverlap(jobs));
        await GateAssert.DrainedAsync(App);
    }

    [Fact]
    public async Task AcquireDeliveredAgainAfterItsJobEnded_IsReturnedByTheWaker_NotLeft()
    {
        var ended = await JobWaits.ExecuteAsync(App, $$"""{"command": "{{GateTestFunctions.Nap}}", "params": {"ms": 10} }""");
        await JobWaits.UntilAsync(App, ended);
        await App.DurableClient.WaitForInstanceCompletionAsync(ended);
        await GateAssert.SetLimitAsync(App, 1);
        var latch = GateTestFunctions.NewLatch();
        var holder = await JobWaits.ExecuteAsync(App, $$"""{"command": "{{GateTestFunctions.Hold}}", "params": {"latch": "{{latch}}"} }""");
        await JobWaits.UntilAsync(App, holder, null, "running");

        // The ended job's acquire, once more, after its release: it queues for a permit nobody would return.
        await App.DurableClient.Entities.SignalEntityAsync(ConcurrencyGate.Id, ConcurrencyGate.Operations.Acquire, ended);
        await GateAssert.UntilGateAsync(App, g => g is { InUse: 1, Waiting: 1 }, "the late acquire to queue");
        GateTestFunctions.Open(latch);

        // Granted when the holder releases; the waker that tells it finds its orchestration ended and returns the permit.
        await GateAssert.DrainedAsync(App, TimeSpan.FromSeconds(15));
    }
}
