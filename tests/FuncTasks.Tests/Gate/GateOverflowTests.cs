using FuncTasks.Api;
using FuncTasks.Gate;
using Microsoft.Extensions.Time.Testing;
using GateUnderTest = FuncTasks.Tests.Gate.ConcurrencyGateOrderTests.GateUnderTest;

namespace FuncTasks.Tests.Gate;

/// <summary>
/// Past the head of its queue (<see cref="ConcurrencyOptions.QueueHead"/>, 4 here) the gate keeps waiters in a table
/// (<see cref="GateOverflow"/>, on Azurite): its state stays the size of the head, and waiters are still served in
/// submission order, once each, whatever order their acquires arrive in. The gate runs one batch per operation, with a
/// fake entity context (as in <see cref="ConcurrencyGateOrderTests"/>).
/// </summary>
public sealed class GateOverflowTests
{
    private const int Head = 4;

    private static readonly List<string> Ids =
        [.. Enumerable.Range(0, 30).Select(i => UlidIds.New(new FakeTimeProvider(DateTimeOffset.UnixEpoch.AddSeconds(i))))];

    [Fact]
    public async Task ThirtyWaiters_ArrivingOutOfOrder_AreServedInSubmissionOrder_WithTheStateBoundedByTheHead()
    {
        var gate = new GateUnderTest(limit: 1, queueHead: Head);
        await gate.RunAsync(ConcurrencyGate.Operations.Acquire, Ids[0]);

        // Roughly in order, as a burst arrives, with some late (ids 3 and 12 come after later ones) and some twice.
        int[] arrivals = [1, 2, 4, 5, 6, 3, 7, 8, 9, 10, 11, 13, 14, 12, 15, 5, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 17];
        var largest = 0;
        foreach (var i in arrivals)
        {
            await gate.RunAsync(ConcurrencyGate.Operations.Acquire, Ids[i]);
            largest = Math.Max(largest, gate.State.Queue.Count);
        }

        Assert.Equal(29, ConcurrencyGate.Snapshot(gate.State, 1).Waiting);
        Assert.True(largest <= Head + 2, $"the head grew to {largest}");
        Assert.NotNull(gate.State.OverflowAfter);

        var served = new List<string> { Ids[0] };
        while (served.Count < Ids.Count)
        {
            await gate.RunAsync(ConcurrencyGate.Operations.Release, served[^1]);
            served.Add(Assert.Single(gate.State.Held));
            Assert.True(gate.State.Queue.Count <= Head + 2, $"the head grew to {gate.State.Queue.Count}");
        }

        Assert.Equal(Ids, served);
        Assert.Null(gate.State.OverflowAfter);
        Assert.Equal(0, gate.State.Waiting);
    }

    [Fact]
    public async Task AWaiterInTheOverflow_ThatIsCanceled_IsNeverServed_AndRowsThatMovedUpAreDeleted()
    {
        var gate = new GateUnderTest(limit: 1, queueHead: Head);
        foreach (var id in Ids.Take(20))
        {
            await gate.RunAsync(ConcurrencyGate.Operations.Acquire, id);
        }

        Assert.Equal(15, gate.State.Overflowed); // 1 holder, 4 in the head
        await gate.RunAsync(ConcurrencyGate.Operations.Release, Ids[15]); // its job was canceled while it waited
        Assert.Equal(14, gate.State.Overflowed);
        Assert.DoesNotContain(Ids[15], await gate.OverflowRowsAsync());

        var served = new List<string> { Ids[0] };
        while (gate.State.Held.Count > 0)
        {
            await gate.RunAsync(ConcurrencyGate.Operations.Release, served[^1]);
            if (gate.State.Held.Count > 0)
            {
                served.Add(Assert.Single(gate.State.Held));
            }

            // Only waiters still to serve, plus the last move's rows (deleted by the next move), are left in the table.
            var rows = await gate.OverflowRowsAsync();
            Assert.True(rows.Count <= gate.State.Overflowed + Head, $"{rows.Count} rows for {gate.State.Overflowed} waiters in the overflow");
        }

        Assert.Equal(Ids.Take(20).Where(id => id != Ids[15]), served);
    }

    [Fact]
    public async Task RaisingTheLimitPastTheHead_AdmitsFromTheOverflow_InOrder()
    {
        var gate = new GateUnderTest(limit: 1, queueHead: Head);
        foreach (var id in Ids.Take(20))
        {
            await gate.RunAsync(ConcurrencyGate.Operations.Acquire, id);
        }

        await gate.RunAsync(ConcurrencyGate.Operations.SetLimit, 10); // more free permits than the head holds
        Assert.Equal(Ids.Take(10).Order(StringComparer.Ordinal), gate.State.Held.Order(StringComparer.Ordinal));
        Assert.Equal(10, gate.State.Waiting);

        await gate.RunAsync(ConcurrencyGate.Operations.SetLimit, 30);
        Assert.Equal(Ids.Take(20).Order(StringComparer.Ordinal), gate.State.Held.Order(StringComparer.Ordinal));
        Assert.Equal(0, gate.State.Waiting);
        Assert.Null(gate.State.OverflowAfter);
    }

    [Fact]
    public async Task AcquireWatched_WithWaitersOnlyInTheOverflow_QueuesBehindThem()
    {
        var gate = new GateUnderTest(limit: 2, queueHead: Head);
        foreach (var id in Ids.Take(12))
        {
            await gate.RunAsync(ConcurrencyGate.Operations.Acquire, id);
        }

        await gate.RunAsync(ConcurrencyGate.Operations.AcquireWatched, Ids[12]);
        Assert.DoesNotContain(Ids[12], gate.State.Held);
        Assert.Equal(11, ConcurrencyGate.Snapshot(gate.State, 2).Waiting);
        Assert.Contains(Ids[12], await gate.OverflowRowsAsync());
    }
}
