using FuncTasks.Gate;
using FuncTasks.Tests.Infrastructure;
using Microsoft.DurableTask.Client;

namespace FuncTasks.Tests.Gate;

/// <summary>
/// What a run of the gate that the backend discards can send (seen under two real hosts: "split brain" in the Durable
/// log): a permit event for a job the committed state never granted, and acquires delivered again after their job
/// released. The real durable engine, with those messages sent by hand.
/// </summary>
public sealed class GateSplitBrainTests : IAsyncLifetime
{
    private AppHost app = null!;

    public async Task InitializeAsync() => app = await AppHost.StartAsync(
        new Dictionary<string, string?> { ["FuncTasks:Concurrency:PermitConfirmSeconds"] = "1" },
        GateTestFunctions.Register,
        withDurable: true);

    public async Task DisposeAsync() => await app.DisposeAsync();

    [Fact]
    public async Task PermitEventTheGateNeverGranted_StartsNothing_TheJobRunsWhenItsTurnComes()
    {
        await GateAssert.SetLimitAsync(app, 1);
        var latch = GateTestFunctions.NewLatch();
        var holder = await JobWaits.ExecuteAsync(app, $$"""{"command": "{{GateTestFunctions.Hold}}", "params": {"latch": "{{latch}}"} }""");
        await JobWaits.UntilAsync(app, holder, null, "running");
        var waiter = await JobWaits.ExecuteAsync(app, $$"""{"command": "{{GateTestFunctions.Nap}}", "params": {"ms": 10} }""");
        await GateAssert.UntilGateAsync(app, g => g is { InUse: 1, Waiting: 1 }, "the second job to queue");

        // A waker of a discarded run tells the waiting job it holds a permit.
        await app.DurableClient.RaiseEventAsync(waiter, PermitWaker.PermitGrantedEvent, waiter);
        await Task.Delay(TimeSpan.FromSeconds(3)); // RunJob looks for the permit for 1 s, then the job asks again

        var still = await GateAssert.GetJobAsync(app, waiter);
        Assert.Equal("pending", still.Status);
        Assert.Null(still.StartedAt);
        Assert.Equal([holder], (await GateAssert.GetAsync(app)).Holders);

        GateTestFunctions.Open(latch);
        var jobs = await GateAssert.AllFinishedAsync(app, [holder, waiter], TimeSpan.FromSeconds(30));
        Assert.All(jobs, j => Assert.Equal("completed", j.Status));
        Assert.Equal(1, GateAssert.MaxOverlap(jobs));
        await GateAssert.DrainedAsync(app);
    }

    [Fact]
    public async Task AcquireDeliveredAgainAfterItsJobEnded_IsReturnedByTheWaker_NotLeft()
    {
        var ended = await JobWaits.ExecuteAsync(app, $$"""{"command": "{{GateTestFunctions.Nap}}", "params": {"ms": 10} }""");
        await JobWaits.UntilAsync(app, ended);
        await app.DurableClient.WaitForInstanceCompletionAsync(ended);
        await GateAssert.SetLimitAsync(app, 1);
        var latch = GateTestFunctions.NewLatch();
        var holder = await JobWaits.ExecuteAsync(app, $$"""{"command": "{{GateTestFunctions.Hold}}", "params": {"latch": "{{latch}}"} }""");
        await JobWaits.UntilAsync(app, holder, null, "running");

        // The ended job's acquire, once more, after its release: it queues for a permit nobody would return.
        await app.DurableClient.Entities.SignalEntityAsync(ConcurrencyGate.Id, ConcurrencyGate.Operations.Acquire, ended);
        await GateAssert.UntilGateAsync(app, g => g is { InUse: 1, Waiting: 1 }, "the late acquire to queue");
        GateTestFunctions.Open(latch);

        // Granted when the holder releases; the waker that tells it finds its orchestration ended and returns the permit.
        await GateAssert.DrainedAsync(app, TimeSpan.FromSeconds(15));
    }
}
