using FuncTasks.Api;
using FuncTasks.Gate;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Entities;
using Microsoft.Extensions.Options;

namespace FuncTasks.Tests.Gate;

/// <summary>
/// The gate entity's queue order without a backend (ITaskEntity.RunAsync with a fake operation): waiters are served
/// by job id (submission order) whatever order their acquire calls arrive in. The end-to-end check of the same is
/// <see cref="GateLimitTests.LimitOne_StrictlyOneAtATime_InSubmissionOrder"/>.
/// </summary>
public sealed class ConcurrencyGateOrderTests
{
    [Fact]
    public async Task Waiters_AreServedInJobIdOrder_NotArrivalOrder()
    {
        var gate = new GateUnderTest();
        var ids = Enumerable.Range(0, 5).Select(i => UlidIds.New(new FixedClock(DateTimeOffset.UnixEpoch.AddSeconds(i)))).ToList();
        Assert.True(await gate.AcquireAsync(ids[0]));

        // They arrive 3, 1, 4, 2 (as acquire calls from different partitions can).
        foreach (var i in new[] { 3, 1, 4, 2 })
        {
            Assert.False(await gate.AcquireAsync(ids[i]));
        }

        Assert.False(await gate.AcquireAsync(ids[1])); // a redelivered acquire keeps its place, once
        Assert.Equal(ids.Skip(1), gate.State.Waiters.Select(w => w.JobId));

        var served = new List<string>();
        var holder = ids[0];
        for (var round = 0; round < 4; round++)
        {
            await gate.RunAsync(ConcurrencyGate.Operations.Release, holder);
            holder = Assert.Single(gate.State.Holders.Keys);
            served.Add(holder);
            Assert.Equal(holder, gate.Woken[^1]);
        }

        Assert.Equal(ids.Skip(1), served);
    }

    [Fact]
    public async Task RaisingTheLimit_AdmitsTheOldestWaitersFirst()
    {
        var gate = new GateUnderTest();
        await gate.RunAsync(ConcurrencyGate.Operations.SetLimit, 1);
        var ids = Enumerable.Range(0, 4).Select(i => UlidIds.New(new FixedClock(DateTimeOffset.UnixEpoch.AddMinutes(i)))).ToList();
        Assert.True(await gate.AcquireAsync(ids[0]));
        foreach (var i in new[] { 3, 2, 1 })
        {
            Assert.False(await gate.AcquireAsync(ids[i]));
        }

        await gate.RunAsync(ConcurrencyGate.Operations.SetLimit, 3);
        Assert.Equal([ids[1], ids[2]], gate.Woken);
        Assert.Equal([ids[3]], gate.State.Waiters.Select(w => w.JobId));
    }

    private sealed class GateUnderTest
    {
        private readonly FakeState state = new();
        private readonly FakeContext context = new();

        public GateState State => (GateState)state.Value!;

        public IReadOnlyList<string> Woken => context.Woken;

        public async Task<bool> AcquireAsync(string jobId) =>
            (bool)(await RunAsync(ConcurrencyGate.Operations.Acquire, new PermitRequest(jobId, jobId)))!;

        public async Task<object?> RunAsync(string operation, object? input)
        {
            var gate = new ConcurrencyGate(Options.Create(new ConcurrencyOptions { Limit = 1 }), TimeProvider.System);
            return await gate.RunAsync(new FakeOperation(operation, input, context, state));
        }
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
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
        public List<string> Woken { get; } = [];

        public override EntityInstanceId Id => ConcurrencyGate.Id;

        public override void SignalEntity(EntityInstanceId id, string operationName, object? input = null, SignalEntityOptions? options = null) =>
            throw new NotSupportedException();

        public override string ScheduleNewOrchestration(TaskName name, object? input = null, StartOrchestrationOptions? options = null)
        {
            Assert.Equal(PermitNotifier.Name, name.Name);
            Woken.Add(((PermitGrant)input!).JobId);
            return options?.InstanceId ?? Guid.NewGuid().ToString("N");
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
