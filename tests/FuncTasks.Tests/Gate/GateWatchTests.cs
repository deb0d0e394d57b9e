using System.Diagnostics;
using FuncTasks.Api;
using FuncTasks.Gate;
using FuncTasks.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace FuncTasks.Tests.Gate;

/// <summary>
/// The watched acquire (a lone job asks and starts RunJob in one episode; RunJob watches the gate's committed state):
/// a free permit is seen without anyone telling the job, and a job that must wait is let go at once, not after the
/// whole confirm time (set to two minutes here, so that waiting it out would fail the test).
/// </summary>
public sealed class GateWatchTests(ITestOutputHelper output) : AppTests(
    new Dictionary<string, string?> { ["FuncTasks:Concurrency:PermitConfirmSeconds"] = "120" },
    configureServices: GateTestFunctions.Register, withDurable: true)
{
    private static readonly TimeSpan Confirm = TimeSpan.FromSeconds(120);
    private static readonly TimeSpan LetGoWithin = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task AFreePermit_IsSeenHeld_AndAJobBehindAFullGate_IsLetGoAtOnce()
    {
        await GateAssert.SetLimitAsync(App, 1);
        var gate = App.Services.GetRequiredService<GateClient>();
        string first = UlidIds.New(TimeProvider.System), second = UlidIds.New(TimeProvider.System);

        await App.DurableClient.Entities.SignalEntityAsync(ConcurrencyGate.Id, ConcurrencyGate.Operations.AcquireWatched, first);
        var clock = Stopwatch.StartNew();
        Assert.True(await gate.WatchForPermitAsync(App.DurableClient, first, Confirm, CancellationToken.None));
        output.WriteLine($"free permit seen held after {clock.ElapsedMilliseconds} ms");

        await App.DurableClient.Entities.SignalEntityAsync(ConcurrencyGate.Id, ConcurrencyGate.Operations.AcquireWatched, second);
        clock.Restart();
        Assert.False(await gate.WatchForPermitAsync(App.DurableClient, second, Confirm, CancellationToken.None));
        output.WriteLine($"waiter let go after {clock.ElapsedMilliseconds} ms");
        Assert.True(clock.Elapsed < LetGoWithin, $"the watch of a job that must wait took {clock.Elapsed}, not less than {LetGoWithin}");

        // Let go on seeing every permit taken, maybe before the gate had its ask: it queues it all the same. Neither
        // was told by a waker: the first saw its permit, the second waits for its turn.
        await GateAssert.UntilGateAsync(App, g => g is { InUse: 1, Waiting: 1 }, "the second job to queue");
        var state = await gate.GetStateAsync(App.DurableClient, CancellationToken.None);
        Assert.Equal([first], state!.Held);
        Assert.Equal([second], state.Queue);
        Assert.Equal(0L, state.Wakers);

        // Its turn comes with the first's release, and then the second is told (and watching would see it held).
        await App.DurableClient.Entities.SignalEntityAsync(ConcurrencyGate.Id, ConcurrencyGate.Operations.Release, first);
        Assert.True(await gate.HoldsPermitAsync(App.DurableClient, second, TimeSpan.FromSeconds(30), CancellationToken.None));
        Assert.True((await gate.GetStateAsync(App.DurableClient, CancellationToken.None))!.Wakers >= 1);
        await App.DurableClient.Entities.SignalEntityAsync(ConcurrencyGate.Id, ConcurrencyGate.Operations.Release, second);
    }

    [Fact]
    public async Task ALoneJobThroughHttp_RunsWithoutAWaker()
    {
        var taskId = (await App.CreateTaskAsync($$"""{"command": "{{GateTestFunctions.Nap}}", "params": {"ms": 10} }""")).GetProperty("id").GetString()!;
        var jobId = await JobWaits.ExecuteTaskAsync(App, taskId);
        var jobs = await GateAssert.AllFinishedAsync(App, [jobId], TimeSpan.FromSeconds(60));
        Assert.Equal("completed", jobs[0].Status);
        await GateAssert.DrainedAsync(App);

        // A waker tells only jobs that waited; this one saw its permit itself.
        Assert.Equal(0L, (await App.Services.GetRequiredService<GateClient>().GetStateAsync(App.DurableClient, CancellationToken.None))!.Wakers);
    }
}
