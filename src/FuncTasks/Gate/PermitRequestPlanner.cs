namespace FuncTasks.Gate;

/// <summary>
/// Picks how a new job asks the gate for its permit, from how many jobs this instance of the app accepted in the
/// last second. Few (no more than the limit): a permit is likely free, so the permit is asked for as the job is
/// started, the job's first episode starts RunJob, and RunJob watches the gate's state for it (no answer to wait
/// for). Many (a burst): most will wait, so the job only asks and is told by a <see cref="PermitWaker"/> when its turn
/// comes, which spares each waiting job an activity that would watch in vain.
/// Both ways are correct whatever the gate holds; this only picks the cheaper one.
/// </summary>
public sealed class PermitRequestPlanner(TimeProvider clock)
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(1);
    private readonly Queue<long> accepted = new();
    private readonly Lock sync = new();

    /// <summary>Counts a job just accepted; true when it should run at once and watch for its permit.</summary>
    public bool ShouldWatch(int limit)
    {
        var now = clock.GetTimestamp();
        lock (sync)
        {
            while (accepted.Count > 0 && clock.GetElapsedTime(accepted.Peek(), now) >= Window)
            {
                accepted.Dequeue();
            }

            accepted.Enqueue(now);
            return accepted.Count <= limit;
        }
    }
}
