using FuncTasks.Gate;
using Microsoft.Extensions.Time.Testing;

namespace FuncTasks.Tests.Gate;

public sealed class PermitRequestPlannerTests
{
    [Fact]
    public void JobsAcceptedOneByOne_Watch_ABurstPastTheLimit_WaitsToBeTold_UntilItIsASecondOld()
    {
        var clock = new FakeTimeProvider();
        var planner = new PermitRequestPlanner(clock);
        Assert.Equal([true, true, true, false, false], Enumerable.Range(0, 5).Select(_ => planner.ShouldWatch(limit: 3)));

        clock.Advance(TimeSpan.FromMilliseconds(999));
        Assert.False(planner.ShouldWatch(limit: 3)); // the burst is still within the last second

        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(planner.ShouldWatch(limit: 3));
    }
}
