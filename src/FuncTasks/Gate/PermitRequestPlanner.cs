namespace FuncTasks.Gate;

/// <summary>
/// Picks how a new job asks the gate for its permit, from how many jobs this instance of the app accepted in the
/// last second. Few (no more than the limit): a permit is likely free, so the job asks with a call and runs as soon
/// as the answer comes (two queue hops). Many (a burst): most will wait, so the job sends a signal and is told by a
/// <see cref="PermitWaker"/> when its turn comes, which spares each waiting job the answer's orchestration episode.
/// Both ways are correct whatever the gate holds; this only picks the cheaper one.
/// </summary>
public sealed class PermitRequestPlanner(TimeProvider clock)
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(1);
    private readonly Queue<long> accepted = new();
    private readonly Lock sync = new();

    /// <summary>Counts a job just accepted; true when it should ask with a call.</summary>
    public bool ShouldCall(int limit)
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
