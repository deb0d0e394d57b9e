using FuncTasks.Api;
using FuncTasks.Gate;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Entities;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using FuncTasks.Storage;
using FuncTasks.Tests.Infrastructure;

namespace FuncTasks.Tests.Gate;

/// <summary>
/// The gate entity's rules without a backend (ITaskEntity.RunAsync with a fake operation): waiters are served
/// by job id (submission order) whatever order their acquires arrive in, and grants are told in batches. The end-to-end check of the same is
/// <see cref="GateLimitTests.LimitOne_StrictlyOneAtATime_InSubmissionOrder"/>.
/// </summary>
public sealed class ConcurrencyGateOrderTests
{
    [Fact]
    public async Task Waiters_AreServedInJobIdOrder_NotArrivalOrder()
    {
        var gate = new GateUnderTest();
        var ids = Enumerable.Range(0, 5).Select(i => UlidIds.New(new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddSeconds(i)))).ToList();
        await gate.RunAsync(ConcurrencyGate.Operations.Acquire, ids[0]);
        Assert.Equal([ids[0]], gate.State.Held);

        // They arrive 3, 1, 4, 2 (as acquire signals from different partitions can).
        foreach (var i in new[] { 3, 1, 4, 2 })
        {
            await gate.RunAsync(ConcurrencyGate.Operations.Acquire, ids[i]);
        }

        await gate.RunAsync(ConcurrencyGate.Operations.Acquire, ids[1]); // a redelivered acquire keeps its place, once
        Assert.Equal(ids.Skip(1), gate.State.Queue);
        Assert.Equal([[ids[0]]], gate.Wakers);

        var served = new List<string>();
        var holder = ids[0];
        for (var round = 0; round < 4; round++)
        {
            await gate.RunAsync(ConcurrencyGate.Operations.WakerDone, null);
            await gate.RunAsync(ConcurrencyGate.Operations.Release, holder);
            holder = Assert.Single(gate.State.Held);
            served.Add(holder);
            Assert.Equal([holder], gate.Wakers[^1]);
        }

        Assert.Equal(ids.Skip(1), served);
    }

    [Fact]
    public async Task RaisingTheLimit_AdmitsTheOldestWaitersFirst()
    {
        var gate = new GateUnderTest();
        await gate.RunAsync(ConcurrencyGate.Operations.SetLimit, 1);
        var ids = Enumerable.Range(0, 4).Select(i => UlidIds.New(new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddMinutes(i)))).ToList();
        await gate.RunAsync(ConcurrencyGate.Operations.Acquire, ids[0]);
        await gate.RunAsync(ConcurrencyGate.Operations.WakerDone, null);
        foreach (var i in new[] { 3, 2, 1 })
        {
            await gate.RunAsync(ConcurrencyGate.Operations.Acquire, ids[i]);
        }

        await gate.RunAsync(ConcurrencyGate.Operations.SetLimit, 3);
        Assert.Equal([[ids[0]], [ids[1], ids[2]]], gate.Wakers);
        Assert.Equal([ids[3]], gate.State.Queue);
    }

    [Fact]
    public async Task GrantsMadeWhileAWakerIsOnItsWay_GoTogetherInTheNextOne()
    {
        var gate = new GateUnderTest(limit: 3);
        var ids = Enumerable.Range(0, 6).Select(i => UlidIds.New(new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddSeconds(i)))).ToList();
        foreach (var id in ids)
        {
            await gate.RunAsync(ConcurrencyGate.Operations.Acquire, id);
        }

        // The first grant sent a waker; the next two waited for it to report back.
        Assert.Equal([[ids[0]]], gate.Wakers);
        Assert.Equal([ids[1], ids[2]], gate.State.ToWake);
        await gate.RunAsync(ConcurrencyGate.Operations.Release, ids[0]);
        await gate.RunAsync(ConcurrencyGate.Operations.Release, ids[1]); // granted, not yet told: its grant is withdrawn
        Assert.Equal([ids[2], ids[3], ids[4]], gate.State.ToWake);

        await gate.RunAsync(ConcurrencyGate.Operations.WakerDone, null);
        Assert.Equal([[ids[0]], [ids[2], ids[3], ids[4]]], gate.Wakers);
        Assert.Empty(gate.State.ToWake);
        Assert.Equal([ids[5]], gate.State.Queue);
    }

    [Fact]
    public async Task AcquireWatched_GrantsAFreePermitUntold_AQueuedJobIsToldByAWaker()
    {
        var gate = new GateUnderTest(limit: 1);
        await gate.RunAsync(ConcurrencyGate.Operations.AcquireWatched, "01A");
        await gate.RunAsync(ConcurrencyGate.Operations.AcquireWatched, "01A"); // asked again: one permit
        await gate.RunAsync(ConcurrencyGate.Operations.AcquireWatched, "01B");
        await gate.RunAsync(ConcurrencyGate.Operations.AcquireWatched, "01B");
        Assert.Empty(gate.Wakers); // 01A's RunJob sees its permit in the state; 01B waits
        Assert.Equal(["01A"], gate.State.Held);
        Assert.Equal(["01B"], gate.State.Queue);

        // 01B's RunJob saw it queued: its orchestration asks to be told, which changes nothing until its turn.
        await gate.RunAsync(ConcurrencyGate.Operations.Acquire, "01B");
        Assert.Empty(gate.Wakers);

        await gate.RunAsync(ConcurrencyGate.Operations.Release, "01A");
        Assert.Equal([["01B"]], gate.Wakers);
        Assert.Equal(["01B"], gate.State.Held);
    }

    [Fact]
    public async Task AcquireWatched_GrantedUntold_ThenAskedToBeTold_TellsTheHolder()
    {
        // RunJob gave up watching before the grant was committed: the orchestration's Acquire must reach it.
        var gate = new GateUnderTest(limit: 1);
        await gate.RunAsync(ConcurrencyGate.Operations.AcquireWatched, "01A");
        await gate.RunAsync(ConcurrencyGate.Operations.Acquire, "01A");
        Assert.Equal([["01A"]], gate.Wakers);
        Assert.Equal(["01A"], gate.State.Held);
    }

    [Fact]
    public async Task AcquireNow_KeptForEarlierOrchestrations_AnswersWhetherTheJobHolds()
    {
        var gate = new GateUnderTest(limit: 1);
        Assert.True((bool)(await gate.RunAsync(ConcurrencyGate.Operations.AcquireNow, "01A"))!);
        Assert.False((bool)(await gate.RunAsync(ConcurrencyGate.Operations.AcquireNow, "01B"))!);
        Assert.Equal(["01B"], gate.State.Queue);
    }

    [Fact]
    public async Task Acquire_ByAJobThatHoldsAPermit_TellsItAgain_AndHoldsOne()
    {
        var gate = new GateUnderTest(limit: 2);
        await gate.RunAsync(ConcurrencyGate.Operations.Acquire, "01A");
        await gate.RunAsync(ConcurrencyGate.Operations.WakerDone, null);

        await gate.RunAsync(ConcurrencyGate.Operations.Acquire, "01A"); // RunJob did not find its permit committed yet

        Assert.Equal([["01A"], ["01A"]], gate.Wakers);
        Assert.Equal(["01A"], gate.State.Held);
        Assert.Empty(gate.State.Queue);
    }

    [Fact]
    public async Task Wakers_HaveInstanceIdsOfTheirOwn_EvenAtTheSameNumber()
    {
        var first = new GateUnderTest(limit: 1);
        var second = new GateUnderTest(limit: 1);

        // Two runs of one batch from one state (one of them is discarded by the backend) start a waker each.
        await first.RunAsync(ConcurrencyGate.Operations.Acquire, "01A");
        await second.RunAsync(ConcurrencyGate.Operations.Acquire, "01B");

        var ids = first.WakerIds.Concat(second.WakerIds).ToList();
        Assert.Equal(2, ids.Distinct().Count());
        Assert.All(ids, id => Assert.StartsWith($"{PermitWaker.InstanceIdPrefix}1-", id, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AWakerNotHeardFrom_IsReplacedAfterItsTimeout()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        var gate = new GateUnderTest(limit: 2, clock);
        await gate.RunAsync(ConcurrencyGate.Operations.Acquire, "01A");
        await gate.RunAsync(ConcurrencyGate.Operations.Acquire, "01B");
        await gate.RunAsync(ConcurrencyGate.Operations.Wake, null);
        Assert.Equal([["01A"]], gate.Wakers); // the first is on its way and not late yet

        clock.Advance(ConcurrencyGate.WakerTimeout);
        await gate.RunAsync(ConcurrencyGate.Operations.Wake, null);
        Assert.Equal([["01A"], ["01B"]], gate.Wakers);
    }

    /// <summary>The gate entity, one batch per operation, with its overflow in a table of its own on the shared Azurite.</summary>
    internal sealed class GateUnderTest(int limit = 1, TimeProvider? clock = null, int queueHead = 1000)
    {
        private readonly FakeState state = new();
        private readonly FakeContext context = new();
        private StorageAccount? storage;

        public GateState State => (GateState)state.Value!;

        /// <summary>The job ids of each wake-up orchestration the gate started, in order.</summary>
        public IReadOnlyList<string[]> Wakers => context.Wakers;

        public IReadOnlyList<string> WakerIds => context.WakerIds;

        /// <summary>The overflow table's rows (job ids), in key order.</summary>
        public async Task<List<string>> OverflowRowsAsync()
        {
            var rows = new List<string>();
            await foreach (var row in (await StorageAsync()).GateOverflow.QueryAsync<Azure.Data.Tables.TableEntity>(select: ["RowKey"]))
            {
                rows.Add(row.RowKey);
            }

            return rows;
        }

        public async Task<object?> RunAsync(string operation, object? input)
        {
            var gate = new ConcurrencyGate(Options.Create(new ConcurrencyOptions { Limit = limit, QueueHead = queueHead }), clock ?? TimeProvider.System,
                new GateOverflow(await StorageAsync()));
            return await gate.RunAsync(new FakeOperation(operation, input, context, state));
        }

        private async Task<StorageAccount> StorageAsync()
        {
            if (storage is null)
            {
                var azurite = await SharedAzurite.GetAsync();
                storage = new StorageAccount(new Azure.Data.Tables.TableServiceClient(azurite.ConnectionString),
                    new Azure.Storage.Blobs.BlobServiceClient(azurite.ConnectionString), "gate" + Guid.NewGuid().ToString("N")[..12]);
                await storage.GateOverflow.CreateAsync();
            }

            return storage;
        }
    }

    private sealed class FakeState : TaskEntityState
    {
        public object? Value { get; private set; }

        public override bool HasState => Value is not null;

        public override object? GetState(Type type) => Value;

        public override void SetState(object? state) => Value = state;
    }

    private sealed class FakeContext : TaskEntityContext
    {
        public List<string[]> Wakers { get; } = [];

        public List<string> WakerIds { get; } = [];

        public override EntityInstanceId Id => ConcurrencyGate.Id;

        public override void SignalEntity(EntityInstanceId id, string operationName, object? input = null, SignalEntityOptions? options = null) =>
            throw new NotSupportedException();

        public override string ScheduleNewOrchestration(TaskName name, object? input = null, StartOrchestrationOptions? options = null)
        {
            Assert.Equal(PermitWaker.Name, name.Name);
            Wakers.Add((string[])input!);
            WakerIds.Add(options?.InstanceId ?? throw new InvalidOperationException("A waker without an instance id."));
            return options.InstanceId;
        }
    }

    private sealed class FakeOperation(string name, object? input, TaskEntityContext context, TaskEntityState state) : TaskEntityOperation
    {
        public override string Name => name;

        public override TaskEntityContext Context => context;

        public override TaskEntityState State => state;

        public override bool HasInput => input is not null;

        public override object? GetInput(Type inputType) => input;
    }
}
